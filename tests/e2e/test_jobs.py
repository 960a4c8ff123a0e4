"""Scheduled runs over three days of data, on both stores: ids, changes, alerts, decisions."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from graphring.config import Settings
from graphring.errors import RunLockedError
from graphring.jobs import scheduled_run, set_ring_status, workspace_lock
from graphring.sample import write_sample
from graphring.stores.base import Store
from tests.conftest import run_cli

SETTINGS = Settings(engine="louvain")


def read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {
        p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
        for p in sorted(folder.glob("*.csv"))
    }


def write_tables(tables: dict[str, pd.DataFrame], folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def grow(t: dict[str, pd.DataFrame], members: list[str], k: int, tag: str) -> list[str]:
    """k new shops that ship from the ring's warehouse and pay into its account."""
    ids = [f"MNEW{tag}{i}" for i in range(k)]
    model = t["merchants"].loc[t["merchants"]["merchant_id"] == members[0]]
    t["merchants"] = pd.concat(
        [
            t["merchants"],
            model.loc[model.index.repeat(k)].assign(
                merchant_id=ids, name=[f"New Shop {tag}{i}" for i in range(k)]
            ),
        ],
        ignore_index=True,
    )
    wh = (
        t["addresses"]
        .loc[
            (t["addresses"]["merchant_id"] == members[0]) & (t["addresses"]["role"] == "warehouse")
        ]
        .iloc[[0]]
    )
    t["addresses"] = pd.concat(
        [t["addresses"], wh.loc[wh.index.repeat(k)].assign(merchant_id=ids)], ignore_index=True
    )
    acc = t["payment_accounts"].loc[t["payment_accounts"]["merchant_id"] == members[0]].iloc[[0]]
    t["payment_accounts"] = pd.concat(
        [t["payment_accounts"], acc.loc[acc.index.repeat(k)].assign(merchant_id=ids)],
        ignore_index=True,
    )
    return ids


def join(t: dict[str, pd.DataFrame], into: list[str], moving: list[str]) -> None:
    """Every shop of ``moving`` also uses the warehouse and account of ``into``."""
    wh = (
        t["addresses"]
        .loc[(t["addresses"]["merchant_id"] == into[0]) & (t["addresses"]["role"] == "warehouse")]
        .iloc[[0]]
    )
    acc = t["payment_accounts"].loc[t["payment_accounts"]["merchant_id"] == into[0]].iloc[[0]]
    n = len(moving)
    t["addresses"] = pd.concat(
        [t["addresses"], wh.loc[wh.index.repeat(n)].assign(merchant_id=moving)], ignore_index=True
    )
    t["payment_accounts"] = pd.concat(
        [t["payment_accounts"], acc.loc[acc.index.repeat(n)].assign(merchant_id=moving)],
        ignore_index=True,
    )


def ring_of(outcome_dir: Path, members: set[str]) -> str:
    """The id of the run's ring that holds most of ``members``."""
    rings = pd.read_csv(outcome_dir / "rings.csv")
    hits = rings.loc[rings["merchant_id"].isin(members)].groupby("ring_id").size()
    return str(hits.idxmax())


def alerts(folder: Path) -> list[dict[str, object]]:
    lines = (folder / "alerts.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line]


def test_three_days_grow_merge_dismiss_and_grow_again(store: Store, tmp_path: Path) -> None:
    info = write_sample(tmp_path / "day1", n_shops=2500, seed=3)
    truth = pd.read_csv(info.truth_dir / "groups.csv")
    fakes = {
        g: sorted(f["merchant_id"])
        for g, f in truth.loc[truth["kind"] == "counterfeit"].groupby("group")
    }
    x, y, z, w = (fakes[g] for g in sorted(fakes, key=lambda g: len(fakes[g]))[:4])
    ws = tmp_path / "ws"

    day1 = scheduled_run(info.data_dir, ws, SETTINGS, store)
    assert len(alerts(day1.folder)) == len(day1.alerts) >= 5  # first run: every ring is new
    id_x, id_y, id_z, id_w = (ring_of(day1.folder, set(m)) for m in (x, y, z, w))
    assert len({id_x, id_y, id_z, id_w}) == 4
    set_ring_status(ws, id_w, "dismissed", note="checked: one owner", by="analyst")

    t = read_tables(info.data_dir)
    added_x = grow(t, x, 4, "X")
    join(t, into=y if len(y) >= len(z) else z, moving=z if len(y) >= len(z) else y)
    day2 = scheduled_run(write_tables(t, tmp_path / "day2"), ws, SETTINGS, store)
    changes = day2.result.changes or {}
    assert changes["previous_run"] == day1.result.run_id
    grown = {g["ring_id"]: g for g in changes["grown"]}
    assert grown[id_x]["added"] == sorted(added_x) and grown[id_x]["material"]
    big, small = (id_y, id_z) if len(y) >= len(z) else (id_z, id_y)
    assert [m["from"] for m in changes["merged"]] == [[big, small]]
    assert ring_of(day2.folder, set(y) | set(z)) == big
    assert ring_of(day2.folder, set(w)) == id_w  # unchanged, still dismissed
    assert {(a["ring_id"], a["event"]) for a in day2.alerts} == {(id_x, "grown"), (big, "merged")}
    rings2 = json.loads((day2.folder / "rings.json").read_text())
    assert small not in {r["ring_id"] for r in rings2}

    t = read_tables(tmp_path / "day2")
    grow(t, w, 4, "W")
    day3 = scheduled_run(write_tables(t, tmp_path / "day3"), ws, SETTINGS, store)
    assert [(a["ring_id"], a["event"], a["status"]) for a in day3.alerts] == [
        (id_w, "grown since dismissed", "dismissed")
    ]
    assert Path(str(day3.alerts[0]["packet"])).is_file()
    assert (ws / "latest").resolve() == day3.folder
    if store.name == "neo4j":
        lineage = store.query(  # type: ignore[attr-defined]
            "MATCH (s:Ring)-[:MERGED_INTO]->(r:Ring) RETURN s.ring_id AS s, r.ring_id AS r"
        )
        assert lineage.to_dict("records") == [{"s": small, "r": big}]
        runs = store.query(  # type: ignore[attr-defined]
            "MATCH p = (:Run)-[:NEXT*]->(:Run) RETURN max(length(p)) AS n"
        )
        assert int(runs["n"].iloc[0]) == 2
    assert len(list((ws / "runs").iterdir())) == 3


def test_second_run_while_one_holds_the_lock_exits_75(tmp_path: Path) -> None:
    info = write_sample(tmp_path / "d", n_shops=2500, seed=3)
    ws = tmp_path / "ws"
    with workspace_lock(ws):
        with pytest.raises(RunLockedError):
            scheduled_run(info.data_dir, ws, SETTINGS, store=None)  # type: ignore[arg-type]
        proc = run_cli("run", str(info.data_dir), "--workspace", str(ws), timeout=300)
    assert proc.returncode == 75
    assert "another graphring run holds" in proc.stderr
    assert not (ws / "latest").exists()


def test_killed_run_leaves_previous_run_intact(tmp_path: Path) -> None:
    info = write_sample(tmp_path / "d", n_shops=8000, seed=5)
    ws = tmp_path / "ws"
    cmd = [
        sys.executable,
        "-m",
        "graphring.cli",
        "run",
        str(info.data_dir),
        "--workspace",
        str(ws),
        "--engine",
        "louvain",
    ]
    assert subprocess.run(cmd, capture_output=True, timeout=300).returncode == 0
    first = (ws / "latest").resolve()
    before = {p.relative_to(first): p.read_bytes() for p in first.rglob("*") if p.is_file()}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list((ws / "runs").glob(".*.staging-*")) and time.monotonic() < deadline:
        assert proc.poll() is None, "the run ended before it could be killed"
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (ws / "latest").resolve() == first
    after = {p.relative_to(first): p.read_bytes() for p in first.rglob("*") if p.is_file()}
    assert after == before
    assert subprocess.run(cmd, capture_output=True, timeout=300).returncode == 0
    assert not list((ws / "runs").glob(".*.staging-*"))
    assert (ws / "latest").resolve() != first


def test_importing_graphring_needs_no_fcntl() -> None:
    """fcntl is POSIX only (Windows has none): graphring imports without it, and the
    workspace lock reaches for it only when a lock is taken."""
    code = (
        "import sys; sys.modules['fcntl'] = None\n"
        "import graphring, graphring.jobs\n"
        "assert 'fcntl' not in sys.modules or sys.modules['fcntl'] is None\n"
        "print(graphring.scheduled_run.__name__)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "scheduled_run"
