"""The whole job on both stores: same questions, same answers."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from graphring import contract, pipeline
from graphring.config import Settings
from graphring.contract import read_dataset
from graphring.detect import local as local_detection
from graphring.pipeline import run_pipeline
from graphring.rundir.write import write_run
from graphring.sample import SampleInfo
from graphring.stores.base import Store
from graphring.stores.memory import MemoryStore

SETTINGS = Settings(engine="louvain")


def test_planted_rings_found_and_ranked_on_every_store(
    store: Store, sample: SampleInfo, truth: pd.DataFrame
) -> None:
    result = run_pipeline(sample.data_dir, SETTINGS, store)
    core = result.members.loc[result.members["core"]]
    found = core.groupby("ring_id")["merchant_id"].apply(frozenset)
    planted = (
        truth.loc[truth["kind"] == "counterfeit"].groupby("group")["merchant_id"].apply(frozenset)
    )
    for members in planted:
        best = max(len(members & f) / len(members | f) for f in found)
        assert best >= 0.8
    big = planted[planted.map(len) == 58].iloc[0]
    ring58 = next(r for r in found.index if len(found[r] & big) / len(found[r] | big) >= 0.8)
    row = result.ring(ring58)
    assert row["provinces"] >= 12 and row["ring_score"] >= 50
    # every ring explains itself
    assert result.ring_reasons.groupby("ring_id")["text"].size().min() >= 3
    assert set(result.evidence["ring_id"]) == set(result.rings["ring_id"])


@pytest.mark.neo4j
def test_stores_agree(neo4j_store: Store, sample: SampleInfo) -> None:
    """Same data and seed: the memory store and Neo4j give identical rings, scores, leads."""
    a = run_pipeline(sample.data_dir, SETTINGS, MemoryStore())
    b = run_pipeline(sample.data_dir, SETTINGS, neo4j_store)
    for name in ["rings", "members", "evidence", "leads", "merchants", "supernodes"]:
        pd.testing.assert_frame_equal(
            getattr(a, name), getattr(b, name), check_dtype=False, obj=name
        )
    rings = neo4j_store.query(
        "MATCH (m:Merchant)-[:MEMBER_OF]->(r:Ring) "  # type: ignore
        "RETURN r.ring_id AS ring_id, count(m) AS n ORDER BY ring_id"
    )
    expected = b.members.groupby("ring_id").size()
    assert dict(zip(rings["ring_id"], rings["n"], strict=True)) == expected.to_dict()


def test_one_process_or_several_same_results(
    sample: SampleInfo, monkeypatch: pytest.MonkeyPatch, process_pools: list[int]
) -> None:
    """Reading, place matching, shop risk and detection spread over processes (as on a
    big marketplace) give exactly what one process gives."""
    one = run_pipeline(sample.data_dir, Settings(workers=1))
    monkeypatch.setattr(contract, "PARALLEL_READ_BYTES", 0)
    monkeypatch.setattr(pipeline, "BACKGROUND_MIN_SHOPS", 0)
    monkeypatch.setattr(local_detection, "PARALLEL_DETECT_EDGES", 0)
    three = run_pipeline(sample.data_dir, Settings(workers=3))
    # read over this process and two forked ones, detection over three; places, then
    # shop risk, each in one beside them
    assert sorted(process_pools) == [1, 1, 2, 3]
    for name in ["rings", "members", "evidence", "leads", "merchants", "supernodes"]:
        pd.testing.assert_frame_equal(getattr(one, name), getattr(three, name), obj=name)


def test_run_folder_has_every_contract_file(tmp_path: Path, sample: SampleInfo) -> None:
    result = run_pipeline(sample.data_dir, SETTINGS)
    out = write_run(result, tmp_path / "run")
    for name in [
        "rings.csv",
        "rings.json",
        "merchants.csv",
        "leads.csv",
        "run.json",
        "rejects.csv",
        "index.html",
    ]:
        assert (out / name).is_file(), name
    rings = pd.read_csv(out / "rings.csv")
    assert list(rings.columns) == ["ring_id", "merchant_id", "ring_score"]
    assert rings["ring_score"].between(0, 100).all()
    merchants = pd.read_csv(out / "merchants.csv", keep_default_na=False)
    assert list(merchants.columns[:3]) == ["merchant_id", "risk_score", "ring_id"]
    assert len(merchants) == result.counts["tables"]["merchants"]["loaded"]
    docs = json.loads((out / "rings.json").read_text())
    first = docs[0]
    assert {
        "ring_id",
        "score",
        "size",
        "members",
        "reasons",
        "shared_identifiers",
        "provinces",
        "leads",
    } <= set(first)
    assert all(len(i["merchants"]) >= 2 for i in first["shared_identifiers"])
    run = json.loads((out / "run.json").read_text())
    # the sample's empty id and unknown merchant set rows aside; "4.8 stars" only the value
    assert run["rejects"]["rows"] == 2 and run["counts"]["rejected_rows"] == 2
    assert run["rejects"]["values_left_empty"] == 1
    assert run["today"]["from"] == "run date"
    assert {"read_validate_normalize", "link", "detect", "score"} <= set(run["stage_seconds"])
    assert run["supernodes"], "the sample's hub and escrow account are set aside"
    rejects = pd.read_csv(out / "rejects.csv")
    assert list(rejects.columns) == ["file", "line", "column", "reason", "value", "action"]
    leads = pd.read_csv(out / "leads.csv")
    assert {"address", "rings", "shipments", "score", "lat", "lon"} <= set(leads.columns)
    for ring_id in rings["ring_id"].unique():
        packet = out / "packets" / ring_id
        for name in ["index.html", "members.csv", "evidence.csv", "ring.json", "ring.cypher"]:
            assert (packet / name).is_file(), (ring_id, name)


def test_failed_run_leaves_previous_folder_untouched(tmp_path: Path, sample: SampleInfo) -> None:
    result = run_pipeline(sample.data_dir, SETTINGS)
    out = write_run(result, tmp_path / "run")
    before = (out / "rings.csv").read_bytes()
    result.rings = result.rings.drop(columns="reasons")  # breaks the writer midway
    with pytest.raises(KeyError):
        write_run(result, out)
    assert (out / "rings.csv").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_dataset_can_be_passed_in_directly(sample: SampleInfo) -> None:
    ds = read_dataset(sample.data_dir)
    a = run_pipeline(ds, SETTINGS)
    b = run_pipeline(sample.data_dir, SETTINGS)
    pd.testing.assert_frame_equal(a.rings, b.rings)


@pytest.mark.neo4j
@pytest.mark.parametrize("detection", ["gds-louvain", "gds-leiden"])
def test_in_database_detection_cuts_the_same_rings(
    neo4j_store: Store, sample: SampleInfo, detection: str
) -> None:
    local = run_pipeline(sample.data_dir, SETTINGS, MemoryStore())
    settings = SETTINGS.replace(backend="neo4j", detection=detection)
    gds = run_pipeline(sample.data_dir, settings, neo4j_store)
    assert gds.engine == detection
    pd.testing.assert_frame_equal(local.rings, gds.rings, check_dtype=False)
