"""Helpers of the Neo4j store tests (the fixtures live in tests/conftest.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from graphring.stores.neo4j import Neo4jStore


def write_csvs(folder: Path, tables: dict[str, list[list[str]]]) -> Path:
    """Write tables (name -> header row + rows) as CSV files, quoting as needed."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
    return folder


def graph_counts(store: Neo4jStore) -> dict[str, int]:
    """Every node label and relationship type with its count."""
    nodes = store.read("count_nodes")
    rels = store.read("count_relationships")
    out = {f"(:{r.label})": int(r.n) for r in nodes.itertuples(index=False)}
    out.update({f"[:{r.type}]": int(r.n) for r in rels.itertuples(index=False)})
    return out


def store_frames(store: object) -> dict[str, pd.DataFrame]:
    """What the pipeline reads from a store."""
    names = ["merchants", "holdings", "addresses", "listings", "shipments"]
    return {name: getattr(store, name)() for name in names}


def assert_same_frames(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_dtype=False, obj=name)
