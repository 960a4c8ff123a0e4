"""What a read may do on the real server: named reads run in read transactions, and a
user's own Cypher (Neo4jStore.query, what the notebook's ``cypher()`` runs) in a read-only
session: the server refuses a write, and GDS catalog changes are refused as well."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphring.contract import read_dataset
from graphring.errors import StoreError
from graphring.stores.neo4j import Neo4jStore
from tests.neo4j.helpers import graph_counts, write_csvs

pytestmark = pytest.mark.neo4j

TABLES = {
    "merchants": [["merchant_id", "name"], ["M1", "a"], ["M2", "b"]],
    "addresses": [["merchant_id", "address"], ["M1", "1 Hub Rd"], ["M2", "1 Hub Rd"]],
}


@pytest.fixture
def loaded(neo4j_store: Neo4jStore, tmp_path: Path) -> Neo4jStore:
    neo4j_store.load(read_dataset(write_csvs(tmp_path, TABLES)))
    return neo4j_store


def test_a_users_query_reads(loaded: Neo4jStore) -> None:
    out = loaded.query(
        "MATCH (m:Merchant)-[:HAS_ADDRESS]->(a:Address) WHERE m.merchant_id IN $ids "
        "RETURN m.merchant_id AS m, a.key AS key ORDER BY m",
        ids=["M1", "M2"],
    )
    assert out["m"].tolist() == ["M1", "M2"] and out["key"].nunique() == 1


@pytest.mark.parametrize(
    "text",
    [
        "CREATE (:Merchant {merchant_id: 'M9'})",
        "MATCH (m:Merchant) SET m.name = 'x'",
        "MATCH (n) DETACH DELETE n",
        "MATCH (m:Merchant {merchant_id: 'M1'}) CALL (m) { SET m.flag = true } RETURN m",
    ],
)
def test_the_server_refuses_a_users_query_that_writes(loaded: Neo4jStore, text: str) -> None:
    before = graph_counts(loaded)
    names = loaded.query("MATCH (m:Merchant) RETURN m.name AS name ORDER BY name")
    with pytest.raises(StoreError, match="read-only transaction"):
        loaded.query(text)
    assert graph_counts(loaded) == before
    after = loaded.query("MATCH (m:Merchant) RETURN m.name AS name ORDER BY name")
    assert after.equals(names) and after["name"].tolist() == ["a", "b"]


def test_gds_catalog_changes_are_refused(loaded: Neo4jStore) -> None:
    """gds.graph.project is declared a read (it writes no node): the server would run it in
    a read-only session, so the store refuses it before running anything."""
    project = (
        "CALL gds.graph.project('from-a-notebook', 'Merchant', '*') "
        "YIELD graphName RETURN graphName"
    )
    with pytest.raises(StoreError, match=r"may not use gds\.graph\.project"):
        loaded.query(project)
    with pytest.raises(StoreError, match=r"gds\.graph\.drop"):
        loaded.query("CALL gds.graph.drop('x', false) YIELD graphName RETURN graphName")
    graphs = loaded.query("CALL gds.graph.list() YIELD graphName RETURN graphName")
    assert graphs.empty


def test_named_reads_run_in_read_transactions(loaded: Neo4jStore) -> None:
    before = graph_counts(loaded)
    with pytest.raises(StoreError, match="read-only transaction"):
        loaded.read("write_rings", run_id="through-read", rings=[], members=[])
    assert graph_counts(loaded) == before
    assert loaded.read("count_data_nodes")["Merchant"].iloc[0] == 2
