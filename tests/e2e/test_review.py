"""Per-member review and decisions across scheduled runs: a weakly tied shop taken out of
its ring (and put back), decisions shown in ring.json, the packet and the overview, and
packet seals recorded outside the packets."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from graphring.config import Settings
from graphring.errors import InputError
from graphring.jobs import scheduled_run, set_ring_status
from graphring.review import exclusions, set_member, verify_packet
from graphring.sample import SampleInfo
from graphring.stores.memory import MemoryStore
from graphring.ties import weakly_tied
from tests.conftest import run_cli

SETTINGS = Settings(engine="louvain")


def _ring(folder: Path, ring_id: str) -> dict[str, object]:
    rings = json.loads((folder / "rings.json").read_text(encoding="utf-8"))
    return next(r for r in rings if r["ring_id"] == ring_id)


def test_exclude_a_weak_member_then_include_it_again(sample: SampleInfo, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    day1 = scheduled_run(sample.data_dir, ws, SETTINGS, MemoryStore())
    members = day1.result.members
    weak = members.loc[members["core"] & weakly_tied(members)]
    assert len(weak), "the sample's big ring holds an honest shop tied by one phone"
    shop, rid = str(weak["merchant_id"].iloc[0]), str(weak["ring_id"].iloc[0])
    assert weak["ties"].iloc[0] == 1 and weak["tied_by"].iloc[0] == "phone"
    packet1 = (day1.folder / "packets" / rid / "index.html").read_text(encoding="utf-8")
    assert 'id="weak-ties"' in packet1 and f"graphring ring exclude {rid} {shop}" in packet1
    # the shop's own addresses are leads of the ring before it leaves
    holdings = day1.result.tables["holdings"]
    addresses = holdings.loc[holdings["kind"] == "address"]
    own = set(addresses.loc[addresses["merchant_id"] == shop, "key"])
    others = set(
        holdings.loc[
            holdings["merchant_id"].isin(set(members.loc[members["ring_id"] == rid, "merchant_id"]))
            & (holdings["merchant_id"] != shop),
            "key",
        ]
    )
    only_own = own - others
    leads1 = {x["address"] for x in _ring(day1.folder, rid)["leads"]}  # type: ignore[union-attr]
    assert only_own and only_own <= leads1

    line = set_member(ws, rid, shop, "exclude", note="honest: one shared phone", by="ana")
    assert line["action"] == "exclude" and line["run_id"] == day1.result.run_id
    case = set_ring_status(ws, rid, "confirmed", note="three warehouse cells", by="ben")
    sums = day1.folder / "packets" / rid / "SHA256SUMS"
    assert case["packet_seal"] == hashlib.sha256(sums.read_bytes()).hexdigest()
    run1 = json.loads((day1.folder / "run.json").read_text(encoding="utf-8"))
    assert run1["packet_seals"][rid] == case["packet_seal"]
    assert case["packet_seal"] in (day1.folder / "index.html").read_text(encoding="utf-8")

    day2 = scheduled_run(sample.data_dir, ws, SETTINGS, MemoryStore())
    ring2 = _ring(day2.folder, rid)
    assert shop not in ring2["members"] and shop not in ring2["associates"]  # type: ignore[operator]
    assert ring2["excluded"] == [
        {
            "merchant_id": shop,
            "note": "honest: one shared phone",
            "by": "ana",
            "at": line["at"],
            "run_id": day1.result.run_id,
        }
    ]
    assert ring2["decision"] == {
        "status": "confirmed",
        "note": "three warehouse cells",
        "by": "ben",
        "at": case["at"],
        "run_id": day1.result.run_id,
    }
    packet_doc = json.loads((day2.folder / "packets" / rid / "ring.json").read_text("utf-8"))
    assert packet_doc["decision"] == ring2["decision"]
    assert packet_doc["excluded"] == ring2["excluded"]
    leads2 = {x["address"] for x in ring2["leads"]}  # type: ignore[union-attr]
    assert not (only_own & leads2), "the shop's own sites leave with it"
    merchants = pd.read_csv(day2.folder / "merchants.csv", dtype=str, keep_default_na=False)
    assert merchants.set_index("merchant_id").loc[shop, "ring_id"] == ""
    shrunk = {s["ring_id"] for s in (day2.result.changes or {})["shrunk"]}
    assert rid in shrunk
    page = (day2.folder / "packets" / rid / "index.html").read_text(encoding="utf-8")
    assert "honest: one shared phone" in page and "three warehouse cells" in page
    assert 'id="decision"' in page and "confirmed</b> by ben" in page
    overview = (day2.folder / "index.html").read_text(encoding="utf-8")
    assert "confirmed by ben at" in overview and "three warehouse cells" in overview
    assert verify_packet(day2.folder / "packets" / rid) == []

    set_member(ws, rid, shop, "include", by="ana")
    assert exclusions(ws).empty
    day3 = scheduled_run(sample.data_dir, ws, SETTINGS, MemoryStore())
    assert shop in _ring(day3.folder, rid)["members"]  # type: ignore[operator]
    assert _ring(day3.folder, rid)["excluded"] == []


def test_member_decisions_refuse_what_cannot_be(sample: SampleInfo, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    with pytest.raises(InputError, match="no run yet"):
        set_member(ws, "R-x", "M1", "exclude")
    day1 = scheduled_run(sample.data_dir, ws, SETTINGS, MemoryStore())
    rid = str(day1.result.rings["ring_id"].iloc[0])
    outsider = str(day1.result.merchants.loc[day1.result.merchants["ring_id"] == ""].iloc[0, 0])
    with pytest.raises(InputError, match="not a member"):
        set_member(ws, rid, outsider, "exclude")
    with pytest.raises(InputError, match="not excluded"):
        set_member(ws, rid, outsider, "include")
    with pytest.raises(InputError, match="not in the workspace"):
        set_member(ws, "R-00000000", outsider, "exclude")
    assert not (ws / "exclusions.jsonl").exists()


def test_ring_exclude_and_include_on_the_command_line(sample: SampleInfo, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    day1 = scheduled_run(sample.data_dir, ws, SETTINGS, MemoryStore())
    member = day1.result.members.iloc[0]
    rid, shop = str(member["ring_id"]), str(member["merchant_id"])
    proc = run_cli("ring", "exclude", rid, shop, "--workspace", str(ws), "--note", "n", "--by", "x")
    assert proc.returncode == 0, proc.stderr
    assert f"{rid}: {shop} excluded by x" in proc.stdout
    assert exclusions(ws)[["ring_id", "merchant_id", "note"]].values.tolist() == [[rid, shop, "n"]]
    proc = run_cli("ring", "include", rid, shop, "--workspace", str(ws))
    assert proc.returncode == 0, proc.stderr
    assert exclusions(ws).empty
    proc = run_cli("ring", "include", rid, shop, "--workspace", str(ws))
    assert proc.returncode == 2 and "not excluded" in proc.stderr
