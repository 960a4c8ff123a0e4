"""Verdicts in a workspace re-weigh identifier kinds for the next runs, shown in run.json
and undone with --no-feedback."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from graphring.config import Settings
from graphring.jobs import scheduled_run, set_ring_status
from graphring.stores.memory import MemoryStore
from tests.conftest import run_cli


def _data(folder: Path) -> Path:
    """Four households of three sharing an IP each; one group sharing an account and a
    device; 200 lone clients."""
    ids = [f"C{i:04d}" for i in range(215)]
    rows = [(m, "ip", f"10.0.0.{i}") for i, m in enumerate(ids)]
    rows += [(m, "phone", f"1380000{i:04d}") for i, m in enumerate(ids)]
    for h in range(4):
        rows += [(ids[3 * h + k], "ip", f"192.168.1.{h}") for k in range(3)]
    rows += [(m, "device", "dev-shared") for m in ids[12:15]]
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"merchant_id": ids, "name": ids}).to_csv(folder / "merchants.csv", index=False)
    pd.DataFrame(rows, columns=["merchant_id", "kind", "value"]).to_csv(
        folder / "identifiers.csv", index=False
    )
    pd.DataFrame({"merchant_id": ids[12:15], "account": "6222000011112222"}).to_csv(
        folder / "payment_accounts.csv", index=False
    )
    return folder


def _run_json(folder: Path) -> dict:
    return json.loads((folder / "run.json").read_text(encoding="utf-8"))


def test_dismissed_ip_rings_make_ip_weigh_less_next_time_and_no_feedback_undoes_it(
    tmp_path: Path,
) -> None:
    data, ws = _data(tmp_path / "data"), tmp_path / "ws"
    settings = Settings(workers=1)
    first = scheduled_run(data, ws, settings, MemoryStore())
    rings = first.result.rings
    ip_rings = rings.loc[rings["kinds"] == "ip", "ring_id"].tolist()
    assert len(ip_rings) == 4 and len(rings) == 5
    for rid in ip_rings:
        set_ring_status(ws, rid, "dismissed", note="a household", by="test")

    second = scheduled_run(data, ws, settings, MemoryStore())
    doc = _run_json(second.folder)
    weights = {w["label"]: w for w in doc["kind_weights"]}
    assert weights["ip"]["feedback"] == 0.5 and weights["ip"]["weight"] == 0.15
    assert weights["account"]["feedback"] == 1.0
    assert doc["counts"]["feedback"]["rings"] == {"confirmed": 0, "dismissed": 4}
    # the households no longer come out; the account-and-device group does
    assert second.result.rings["kinds"].tolist() == ["account,device"]

    again = run_cli("run", str(data), "--workspace", str(ws), "--no-feedback")
    assert again.returncode == 0, again.stderr
    doc = _run_json(ws / "latest")
    assert doc["parameters"]["feedback"] is False
    assert {w["label"]: w["feedback"] for w in doc["kind_weights"]}["ip"] == 1.0
    assert doc["counts"]["rings"] == 5
