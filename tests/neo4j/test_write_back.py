"""Rings written back to Neo4j across runs: a later run leaves exactly its own rings'
memberships and scores; rings it did not find keep their nodes (lineage points at them),
lose their scores and say which run dropped them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from graphring.contract import read_dataset
from graphring.stores.base import RingWriter
from graphring.stores.memory import MemoryStore
from graphring.stores.neo4j import Neo4jStore
from tests.neo4j.helpers import write_csvs

pytestmark = pytest.mark.neo4j

SHOPS = {"merchants": [["merchant_id", "name"]] + [[f"M{n}", f"shop {n}"] for n in range(1, 6)]}


def _write(store: Neo4jStore, run_id: str, rings: dict[str, list[str]]) -> None:
    store.write_rings(
        pd.DataFrame(
            {
                "ring_id": list(rings),
                "ring_score": [10.0 * len(m) for m in rings.values()],
                "size": [len(m) for m in rings.values()],
                "reasons": [f"{run_id} reasons" for _ in rings],
            }
        ),
        pd.DataFrame(
            [(ring, shop, True) for ring, shops in rings.items() for shop in shops],
            columns=["ring_id", "merchant_id", "core"],
        ),
        run_id,
    )


def _members(store: Neo4jStore) -> list[tuple[str, str, str]]:
    out = store.query(
        "MATCH (m:Merchant)-[rel:MEMBER_OF]->(r:Ring) "
        "RETURN r.ring_id AS ring, m.merchant_id AS shop, rel.run_id AS run ORDER BY ring, shop"
    )
    return [tuple(row) for row in out.itertuples(index=False)]


def _rings(store: Neo4jStore) -> dict[str, dict[str, object]]:
    out = store.query(
        "MATCH (r:Ring) RETURN r.ring_id AS ring, r.score AS score, r.run_id AS run, "
        "r.dropped_in AS dropped_in ORDER BY ring"
    )
    out = out.astype(object).where(out.notna(), None)  # a missing score: None, not NaN
    return {row.ring: row._asdict() for row in out.itertuples(index=False)}


def test_a_later_run_leaves_exactly_its_own_rings(neo4j_store: Neo4jStore, tmp_path: Path) -> None:
    neo4j_store.load(read_dataset(write_csvs(tmp_path, SHOPS)))
    _write(neo4j_store, "run-1", {"R-1": ["M1", "M2", "M3"], "R-2": ["M4", "M5"]})
    # run 2: M3 left was not found
    _write(neo4j_store, "run-2", {"R-1": ["M1", "M2"]})
    assert _members(neo4j_store) == [("R-1", "M1", "run-2"), ("R-1", "M2", "run-2")]
    rings = _rings(neo4j_store)
    assert rings["R-1"]["score"] == 20.0 and rings["R-1"]["dropped_in"] is None
    assert rings["R-2"]["score"] is None and rings["R-2"]["run"] == "run-1"
    assert rings["R-2"]["dropped_in"] == "run-2"
    # run 3 drops nothing new: R-2 keeps the run that dropped it
    _write(neo4j_store, "run-3", {"R-1": ["M1", "M2"]})
    assert _rings(neo4j_store)["R-2"]["dropped_in"] == "run-2"
    # run 4 finds R-2 again: it is current again, R-1 is dropped
    _write(neo4j_store, "run-4", {"R-2": ["M4", "M5"]})
    assert _members(neo4j_store) == [("R-2", "M4", "run-4"), ("R-2", "M5", "run-4")]
    rings = _rings(neo4j_store)
    assert rings["R-2"] == {"ring": "R-2", "score": 20.0, "run": "run-4", "dropped_in": None}
    assert rings["R-1"]["dropped_in"] == "run-4" and rings["R-1"]["score"] is None
    # writing one run twice changes nothing
    _write(neo4j_store, "run-4", {"R-2": ["M4", "M5"]})
    assert _members(neo4j_store) == [("R-2", "M4", "run-4"), ("R-2", "M5", "run-4")]


def test_ring_write_back_is_a_capability_of_the_neo4j_store(neo4j_store: Neo4jStore) -> None:
    assert isinstance(neo4j_store, RingWriter)
    assert not isinstance(MemoryStore(), RingWriter)
