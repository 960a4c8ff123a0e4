"""Where a run may write (DATA_CONTRACT, "Where a run may write"): ``--out`` is created, or
replaced only when graphring wrote it; anything else is refused with exit 2 and untouched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graphring.rundir.safety import SIGNATURE, clean_stale
from tests.conftest import run_cli as graphring
from tests.conftest import write_tables


def _data(folder: Path) -> Path:
    return write_tables(
        folder,
        {
            "merchants": "merchant_id,name\nM1,a\nM2,b\nM3,c\nM4,d\n",
            "payment_accounts": "merchant_id,account\nM1,1111\nM2,1111\nM3,1111\n",
        },
    )


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (links not followed) with its bytes."""
    return {
        str(p.relative_to(folder)): (
            b"-> " + os.readlink(p).encode() if p.is_symlink() else p.read_bytes()
        )
        for p in sorted(folder.rglob("*"))
        if p.is_symlink() or p.is_file()
    }


def _refused(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "nothing was touched" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_folder_of_the_users_own_files_is_refused(tmp_path: Path) -> None:
    data = _data(tmp_path / "data")
    mine = tmp_path / "thesis"
    (mine / "chapter").mkdir(parents=True)
    (mine / "chapter" / "one.txt").write_text("years of work")
    (mine / "run.json").write_text('{"run_id": "mine"}')  # a run.json, not graphring's
    before = _tree(mine)
    proc = graphring("detect", str(data), "--out", str(mine))
    _refused(proc)
    assert "graphring did not write" in proc.stderr
    assert _tree(mine) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "thesis"]


def test_demo_refuses_a_folder_of_the_users_own_files(tmp_path: Path) -> None:
    mine = tmp_path / "photos"
    mine.mkdir()
    (mine / "a.jpg").write_bytes(b"\xff\xd8 jpeg")
    proc = graphring("demo", "--out", str(mine), "--shops", "500")
    _refused(proc)
    assert _tree(mine) == {"a.jpg": b"\xff\xd8 jpeg"}


@pytest.mark.parametrize("which", ["data", "parent", "grandparent"])
def test_the_data_folder_or_one_holding_it_is_refused(tmp_path: Path, which: str) -> None:
    data = _data(tmp_path / "cases" / "data")
    out = {"data": data, "parent": data.parent, "grandparent": tmp_path}[which]
    before = _tree(tmp_path)
    proc = graphring("detect", str(data), "--out", str(out))
    _refused(proc)
    assert "data folder" in proc.stderr
    assert _tree(tmp_path) == before


def test_the_data_folder_is_refused_even_when_it_is_a_run_folder(tmp_path: Path) -> None:
    """A demo's run folder holds its sample data: detecting that data into it is refused."""
    run = tmp_path / "run"
    data = _data(run / "sample" / "data")
    (run / "run.json").write_text(json.dumps({"written_by": SIGNATURE, "run_id": "x"}))
    before = _tree(tmp_path)
    _refused(graphring("detect", str(data), "--out", str(run)))
    assert _tree(tmp_path) == before


def test_a_symlink_is_refused_and_its_target_kept(tmp_path: Path) -> None:
    data = _data(tmp_path / "data")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    link = tmp_path / "out"
    link.symlink_to(mine, target_is_directory=True)
    _refused(graphring("detect", str(data), "--out", str(link)))
    assert link.is_symlink() and _tree(mine) == {"notes.txt": b"keep me"}


def test_a_file_is_refused(tmp_path: Path) -> None:
    data = _data(tmp_path / "data")
    proc = graphring("detect", str(data), "--out", str(data / "merchants.csv"))
    assert proc.returncode == 2 and "is a file" in proc.stderr
    assert (data / "merchants.csv").read_text().startswith("merchant_id,name")


def test_a_run_folder_is_replaced_without_following_links_inside_it(tmp_path: Path) -> None:
    data = _data(tmp_path / "data")
    out = tmp_path / "out"
    assert graphring("detect", str(data), "--out", str(out)).returncode == 0
    run = json.loads((out / "run.json").read_text())
    assert run["written_by"] == SIGNATURE
    # a link someone put into the run folder: replacing the run removes the link only
    (out / "to-data").symlink_to(data, target_is_directory=True)
    (out / "stray.txt").write_text("old")
    data_before = _tree(data)
    proc = graphring("detect", str(data), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "run.json").read_text())["run_id"] != run["run_id"]
    assert not (out / "stray.txt").exists() and not (out / "to-data").is_symlink()
    assert _tree(data) == data_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "out"]


def test_an_empty_folder_is_used(tmp_path: Path) -> None:
    data = _data(tmp_path / "data")
    out = tmp_path / "empty"
    out.mkdir()
    assert graphring("detect", str(data), "--out", str(out)).returncode == 0
    assert (out / "rings.csv").is_file()


def test_staging_left_by_a_killed_run_is_cleaned_by_the_next(tmp_path: Path) -> None:
    data = _data(tmp_path / "data")
    dead = subprocess.run(
        [sys.executable, "-c", "import os;print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    ).stdout.strip()
    stale = [tmp_path / f".out.staging-{dead}-abc", tmp_path / f".out.old-{dead}-def"]
    for folder in stale:
        (folder / "packets").mkdir(parents=True)
        (folder / "packets" / "big.html").write_text("x" * 1000)
    # a run still going (this test's own parent process) keeps its staging folder
    live = tmp_path / f".out.staging-{os.getppid()}-ghi"
    live.mkdir()
    proc = graphring("detect", str(data), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["data", live.name, "out"])


def test_clean_stale_never_follows_a_link(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "keep.txt").write_text("keep")
    (tmp_path / ".out.staging-999999999-x").symlink_to(mine, target_is_directory=True)
    removed = clean_stale(tmp_path, "out")
    assert [p.name for p in removed] == [".out.staging-999999999-x"]
    assert (mine / "keep.txt").read_text() == "keep"
