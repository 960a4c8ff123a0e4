"""Scheduled runs that heal: a full disk, a decision cut short or a locked workspace never
leave the workspace stuck, and a second run never reaches for the store first."""

from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import Any

import pytest

from graphring import jobs
from graphring.config import Settings
from graphring.jobs import case_statuses, scheduled_run, workspace_lock
from graphring.stores.memory import MemoryStore
from tests.conftest import run_cli as graphring
from tests.conftest import write_tables

RING = {
    "merchants": "merchant_id,name\nS1,a\nS2,b\nS3,c\nS4,d\n",
    "payment_accounts": "merchant_id,account\nS1,1111\nS2,1111\nS3,1111\n",
}


def _ws_with_a_run(tmp_path: Path) -> tuple[Path, Path, str]:
    data = write_tables(tmp_path / "data", RING)
    ws = tmp_path / "ws"
    proc = graphring("run", str(data), "--workspace", str(ws))
    assert proc.returncode == 0, proc.stderr
    rings = json.loads(((ws / "latest").resolve() / "rings.json").read_text())
    return data, ws, rings[0]["ring_id"]


def test_a_full_disk_on_the_lock_line_does_not_stop_the_run(tmp_path: Path) -> None:
    """The lock file on a device that is always full (what a filled disk answers), and the
    staging folder a failed run left: the next run cleans it and goes on."""
    data, ws, _ = _ws_with_a_run(tmp_path)
    stale = ws / "runs" / ".staging-20260101T000000Z-abcdef"
    (stale / "packets").mkdir(parents=True)
    (stale / "packets" / "half.html").write_text("<html>" * 1000)
    (ws / "lock").unlink()
    (ws / "lock").symlink_to("/dev/full")
    first = (ws / "latest").resolve()
    proc = graphring("run", str(data), "--workspace", str(ws))
    assert proc.returncode == 0, proc.stderr
    assert "could not write the lock holder" in proc.stderr
    assert not stale.exists()
    assert (ws / "latest").resolve() != first and ((ws / "latest") / "run.json").is_file()


def test_a_run_that_fails_writing_leaves_no_staging_and_the_next_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = write_tables(tmp_path / "data", RING)
    ws = tmp_path / "ws"
    settings = Settings(engine="louvain")

    def disk_full(result: Any, folder: Path, packets: bool = True) -> None:
        (folder / "rings.csv").write_text("ring_id,merchant_id,ring_score\n")
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(jobs, "write_run_into", disk_full)
        with pytest.raises(OSError, match="No space left"):
            scheduled_run(data, ws, settings, MemoryStore())
    assert list((ws / "runs").iterdir()) == [] and not (ws / "latest").exists()
    outcome = scheduled_run(data, ws, settings, MemoryStore())
    assert (ws / "latest").resolve() == outcome.folder
    assert [p.name for p in (ws / "runs").iterdir()] == [outcome.folder.name]


def test_a_broken_line_in_cases_is_skipped_and_never_appended_onto(tmp_path: Path) -> None:
    data, ws, ring_id = _ws_with_a_run(tmp_path)
    assert graphring("ring", "status", ring_id, "confirmed", "--workspace", str(ws)).returncode == 0
    cases = ws / "cases.jsonl"
    whole = cases.read_text()
    cases.write_text(whole + '{"ring_id": "' + ring_id + '", "stat')  # a write cut short
    proc = graphring("ring", "status", ring_id, "dismissed", "--workspace", str(ws))
    assert proc.returncode == 0, proc.stderr
    assert "cases.jsonl line 2 is not whole" in proc.stderr
    lines = cases.read_text().splitlines()
    assert len(lines) == 3 and lines[1].endswith('"stat')
    assert json.loads(lines[2])["status"] == "dismissed"
    assert case_statuses(ws)[ring_id]["status"] == "dismissed"
    proc = graphring("run", str(data), "--workspace", str(ws))
    assert proc.returncode == 0, proc.stderr
    rings = json.loads(((ws / "latest").resolve() / "rings.json").read_text())
    assert rings[0]["status"] == "dismissed"


def test_a_second_neo4j_run_checks_the_workspace_lock_before_the_server(tmp_path: Path) -> None:
    """No server listens at the URI: the second run must say 75 (held), not 1 (no server)."""
    data = write_tables(tmp_path / "data", RING)
    ws = tmp_path / "ws"
    with workspace_lock(ws):
        proc = graphring(
            "run",
            str(data),
            "--workspace",
            str(ws),
            "--backend",
            "neo4j",
            "--neo4j-uri",
            "bolt://127.0.0.1:9",
        )
    assert proc.returncode == 75, proc.stderr
    assert "another graphring run holds" in proc.stderr
