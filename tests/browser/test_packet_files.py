"""Packet files without a browser: sparse input, the node cap, the SVG as XML, script JSON."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from graphring.config import Settings
from graphring.packets import write
from graphring.packets.graph import MAX_NODES, ring_graph, ring_svg, vis_data
from graphring.packets.pages import script_json
from graphring.pipeline import run_pipeline
from graphring.rundir import custody as chain
from graphring.rundir.write import write_run
from graphring.sample import SampleInfo
from tests.conftest import write_tables


def test_packet_from_merchants_and_accounts_only(tmp_path: Path) -> None:
    """No addresses, shipments or listings: every section still renders, saying so."""
    data = write_tables(
        tmp_path / "data",
        {
            "merchants": 'merchant_id,name\nM1,a\nM5,"<b>e</b>"\nM6,f\nM7,g\n',
            "payment_accounts": "merchant_id,account\nM1,1111\nM5,1111\nM6,1111\n",
        },
    )
    out = write_run(run_pipeline(data), tmp_path / "run")
    (packet,) = (out / "packets").iterdir()
    names = {p.name for p in packet.iterdir()}
    assert names == {
        "index.html",
        "graph.svg",
        "members.csv",
        "evidence.csv",
        "provenance.csv",
        "ring.json",
        "ring.cypher",
        "SHA256SUMS",
    }
    # the three spellings of account 1111 are one row: the same raw text on three lines
    prov = pd.read_csv(packet / "provenance.csv", dtype=str)
    assert prov[["kind", "key", "raw", "file", "rows", "lines"]].values.tolist() == [
        ["account", "1111", "1111", "payment_accounts.csv", "3", "2, 3, 4"]
    ]
    page = (packet / "index.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;e&lt;/b&gt;" in page and "<b>e</b>" not in page
    assert "no suspicious listings" in page and "no dates in the data" in page
    ET.parse(packet / "graph.svg")


def _big_ring(shops: int, identifiers: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = [f"M{i:05d}" for i in range(shops)]
    members = pd.DataFrame(
        {
            "ring_id": "R-big",
            "merchant_id": ids,
            "core": True,
            "name": "shop",
            "province": "P",
            "city": "C",
            "platform": "x",
            "risk_score": [float(i % 100) for i in range(shops)],
            "reasons": "",
        }
    )
    evidence = pd.DataFrame(
        {
            "kind": "phone",
            "key": [f"+86{i:011d}" for i in range(identifiers)],
            "roles": "",
            "shops_in_ring": 2,
            "shops_total": 2,
            "rarity": 0.9,
            "shipments": 0,
            "merchant_ids": [
                f"{ids[i % shops]};{ids[(i + 1) % shops]}" for i in range(identifiers)
            ],
        }
    )
    return members, evidence


def test_graph_is_capped_and_says_what_it_left_out() -> None:
    members, evidence = _big_ring(700, 500)
    origins = pd.DataFrame(
        {"merchant_id": members["merchant_id"], "key": "warehouse 1", "shipments": 3}
    )
    g = ring_graph("R-big", members, evidence, origins)
    assert g.number_of_nodes() <= MAX_NODES
    data = vis_data(g)
    left = data["left_out"]
    assert isinstance(left, dict)
    assert left["shops"] == 100
    assert left["identifiers"] == 500 - (MAX_NODES - 600)
    assert left["origins"] == 1
    shops = [n for n in g if n.startswith("m:")]
    kept_risk = members.set_index("merchant_id").loc[[s[2:] for s in shops], "risk_score"]
    assert kept_risk.min() >= members["risk_score"].sort_values().iloc[100]


def test_svg_parses_with_control_characters_and_markup_in_names() -> None:
    members, evidence = _big_ring(5, 3)
    members.loc[0, "name"] = "bell\x07 and \x0b <script>alert(1)</script> & ]]>"
    svg = ring_svg(ring_graph("R-<x>", members, evidence))
    root = ET.fromstring(svg)
    texts = " ".join(t.text or "" for t in root.iter() if t.text)
    assert "<script>alert(1)</script>" in texts and "R-<x>" in texts
    assert not any(el.tag.endswith("script") for el in root.iter())


def test_script_json_cannot_close_its_element() -> None:
    value = {"name": "</script><!--<script>\u2028&"}
    text = script_json(value)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == value


def test_packets_are_the_same_whatever_the_number_of_processes(
    sample: SampleInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, process_pools: list[int]
) -> None:
    """Packets written by three forked processes equal, byte for byte, those written in
    this one (the clock of the chain of custody held still)."""
    result = run_pipeline(sample.data_dir, Settings(workers=3))
    stamp = chain.custody(result)["generated_at"]
    custody = chain.custody
    monkeypatch.setattr(chain, "custody", lambda r: {**custody(r), "generated_at": stamp})
    monkeypatch.setattr(write, "PACKETS_PER_PROCESS", 10**9)
    one = write_run(result, tmp_path / "one")
    monkeypatch.setattr(write, "PACKETS_PER_PROCESS", 1)
    process_pools.clear()  # (detection may have used some)
    three = write_run(result, tmp_path / "three")
    assert process_pools == [3]
    rings = sorted(p.name for p in (one / "packets").iterdir())
    assert len(rings) >= 3 and rings == sorted(p.name for p in (three / "packets").iterdir())
    for ring in rings:
        for f in sorted((one / "packets" / ring).iterdir()):
            assert f.read_bytes() == (three / "packets" / ring / f.name).read_bytes(), f
