"""Bodies that hold for every store: each test here takes the ``store`` fixture and runs on
the memory store and on a real Neo4j server (tests/conftest.py). What they check is what
the pipeline relies on: the store's questions come conformed (columns in order, the
contract's types, rows sorted by key), the same for the same data, and hostile strings
come back verbatim."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from graphring.contract import read_dataset
from graphring.stores.base import (
    ADDRESS_COLUMNS,
    HOLDING_COLUMNS,
    LISTING_COLUMNS,
    MERCHANT_COLUMNS,
    SHIPMENT_COLUMNS,
    Store,
)
from graphring.stores.memory import MemoryStore
from tests.neo4j.helpers import assert_same_frames, store_frames, write_csvs

TABLES = {
    "merchants": [
        ["merchant_id", "name", "opened_on", "monthly_orders", "rating", "tier"],
        ["M3", "Shop 3", "2023-05-01", "12", "4.5", "gold"],
        ["M1", "Shop 1", "2021-01-31", "", "3", "bronze"],
        ["M2", "Shop 2", "", "7", "", ""],
    ],
    "addresses": [
        ["merchant_id", "address", "role"],
        ["M2", "Rm 5, No. 12 Xinhua Rd., Yiwu", "warehouse"],
        ["M1", "room 5 #12 xinhua road yiwu", "return"],
    ],
    "identifiers": [["merchant_id", "kind", "value"], ["M3", "email", "a@x.cn"]],
    "shipments": [
        ["shipment_id", "merchant_id", "origin", "shipped_at"],
        ["S2", "M3", "1 Hub Rd", "2024-02-03T10:00:00"],
        ["S1", "M1", "1 Hub Rd", "2024-01-03T09:30:00"],
    ],
    "listings": [
        ["listing_id", "merchant_id", "price", "reference_price"],
        ["L2", "M1", "19.9", ""],
        ["L1", "M3", "5", "50"],
    ],
}


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    store.load(read_dataset(write_csvs(tmp_path, TABLES)))
    return store


def test_answers_come_conformed(loaded: Store) -> None:
    m = loaded.merchants()
    assert list(m.columns) == [*MERCHANT_COLUMNS, "tier"]
    assert m["merchant_id"].tolist() == ["M1", "M2", "M3"]
    assert pd.api.types.is_datetime64_any_dtype(m["opened_on"])
    assert m["opened_on"].isna().tolist() == [False, True, False]
    assert m["monthly_orders"].dtype == "float64" and m["rating"].dtype == "float64"
    assert m["monthly_orders"].fillna(-1).tolist() == [-1.0, 7.0, 12.0]
    listings = loaded.listings()
    assert list(listings.columns) == LISTING_COLUMNS
    assert listings["listing_id"].tolist() == ["L1", "L2"]
    assert listings["price"].dtype == "float64" and listings["reference_price"].dtype == "float64"
    shipments = loaded.shipments()
    assert list(shipments.columns) == SHIPMENT_COLUMNS
    assert shipments["shipment_id"].tolist() == ["S1", "S2"]
    assert pd.api.types.is_datetime64_any_dtype(shipments["shipped_at"])
    assert shipments["shipped_at"].iloc[0] == pd.Timestamp("2024-01-03T09:30:00")
    holdings = loaded.holdings()
    assert list(holdings.columns) == HOLDING_COLUMNS
    assert holdings.equals(holdings.sort_values(["merchant_id", "kind", "key", "role"]))
    addresses = loaded.addresses()
    assert list(addresses.columns) == ADDRESS_COLUMNS
    # two spellings of one warehouse are one key; the parcels' origin is another
    assert len(addresses) == 2 and addresses["key"].is_monotonic_increasing
    one = loaded.addresses([addresses["key"].iloc[0]])
    assert one["key"].tolist() == [addresses["key"].iloc[0]]


def test_answers_match_the_memory_store(loaded: Store, tmp_path: Path) -> None:
    memory = MemoryStore()
    memory.load(read_dataset(write_csvs(tmp_path / "again", TABLES)))
    assert_same_frames(store_frames(loaded), store_frames(memory))
