"""In-database detection with GDS: the same links as Python, the planted rings, the same
answer every time, and nothing left behind in the graph catalog."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphring.config import Settings
from graphring.contract import read_dataset
from graphring.detect import detect_rings, gds
from graphring.linking import build_links
from graphring.queries import query
from graphring.sample import SampleInfo
from graphring.stores.neo4j import Neo4jStore

pytestmark = pytest.mark.neo4j
SETTINGS = Settings(engine="louvain")


@pytest.fixture
def loaded(neo4j_store: Neo4jStore, sample: SampleInfo) -> Neo4jStore:
    neo4j_store.load(read_dataset(sample.data_dir))
    return neo4j_store


def test_links_computed_in_cypher_equal_the_python_links(loaded: Neo4jStore) -> None:
    links = build_links(loaded.holdings(), len(loaded.merchants()), SETTINGS)
    # with the kind weights linking calibrated on the data
    weights = dict(zip(links.weights["label"], links.weights["weight"], strict=True))
    in_db = gds.merchant_links(loaded, SETTINGS, weights)
    py = links.edges[["a", "b", "weight", "tie"]]
    assert len(in_db) == len(py) > 100
    pd.testing.assert_frame_equal(
        in_db[["a", "b"]].reset_index(drop=True), py[["a", "b"]].reset_index(drop=True)
    )
    np.testing.assert_allclose(in_db["weight"], py["weight"], rtol=1e-9)
    np.testing.assert_allclose(in_db["tie"], py["tie"], atol=1e-4)
    kinds = links.edges["kinds"].str.count(",").to_numpy() + 1
    np.testing.assert_array_equal(in_db["n_kinds"].to_numpy(), kinds)


def test_the_link_query_needs_memory_for_its_links_not_for_every_holding(
    loaded: Neo4jStore,
) -> None:
    """At a million shops a link query that first gathered every holding in one
    aggregation ran past the server's transaction memory (4.2 GiB); the link query gathers
    each shared node's holders on its own, so what it holds follows the links. On this
    marketplace that query held 7,800 bytes per link (11.5 MB; 24,700 per link at 100k
    shops), this one 680 (1.0 MB; 700 per link at 100k)."""
    with loaded.driver.session(database=loaded.database) as session:
        result = session.run("PROFILE " + query("merchant_links"), gds.link_parameters(SETTINGS))
        links = len(list(result))
        profile = result.consume().profile
    assert profile is not None and links > 100
    assert profile["args"]["GlobalMemory"] < 2_000 * links


def _groups(members: pd.DataFrame) -> set[frozenset[str]]:
    core = members.loc[members["core"]]
    return set(core.groupby("group")["merchant_id"].apply(frozenset))


@pytest.mark.parametrize("algorithm", gds.ALGORITHMS)
def test_in_database_detection_finds_the_planted_rings(
    loaded: Neo4jStore, truth: pd.DataFrame, algorithm: str
) -> None:
    assert gds.gds_available(loaded)
    links = build_links(loaded.holdings(), len(loaded.merchants()), SETTINGS)
    weights = dict(zip(links.weights["label"], links.weights["weight"], strict=True))
    part = gds.detect_in_database(loaded, SETTINGS, algorithm, weights)
    assert part.engine == f"gds-{algorithm}"
    assert list(part.members.columns) == ["merchant_id", "group", "core"]
    found = _groups(part.members)
    planted = truth.loc[truth["kind"] == "counterfeit"].groupby("group")["merchant_id"]
    for members in planted.apply(frozenset):
        assert max(len(members & f) / len(members | f) for f in found) >= 0.8
    # the same answer again, and the local path's answer on this marketplace
    assert _groups(gds.detect_in_database(loaded, SETTINGS, algorithm, weights).members) == found
    local = detect_rings(loaded.merchants()["merchant_id"], links.edges, SETTINGS)
    assert _groups(local.members) == found
    assert part.components == local.components
    graphs = loaded.query("CALL gds.graph.list() YIELD graphName RETURN graphName")
    assert not [g for g in graphs["graphName"] if str(g).startswith("graphring-")]


def test_an_empty_database_gives_no_rings(neo4j_store: Neo4jStore) -> None:
    part = gds.detect_in_database(neo4j_store, SETTINGS)
    assert part.members.empty and part.components == 0
