"""provenance_table, its texts joined a group at a time, equals the groupby definition it
replaced, on random spellings (several rings, long groups, repeated shops, missing keys)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphring.contract import Dataset, read_dataset
from graphring.provenance import MAX_LINES, PROVENANCE_COLUMNS, provenance_table, spellings
from graphring.sample import SampleInfo
from graphring.stores.memory import MemoryStore


def _old_provenance_table(rows: pd.DataFrame, members: pd.Series | None = None) -> pd.DataFrame:
    """provenance_table as it was: one pandas aggregation per group."""
    mine = rows if members is None else rows.loc[rows["merchant_id"].isin(set(members))]
    by = ["ring_id"] if "ring_id" in mine.columns else []
    cols = by + PROVENANCE_COLUMNS
    if mine.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    keys = [*by, "kind", "key", "raw", "file"]
    mine = mine.sort_values([*keys, "line"], kind="stable")
    groups = mine.groupby(keys, sort=False)
    first = mine.loc[groups.cumcount() < MAX_LINES]
    out = pd.concat(
        {
            "rows": groups.size(),
            "lines": first.assign(line=first["line"].astype(str))
            .groupby(keys, sort=False)["line"]
            .agg(", ".join),
            "shops": mine.drop_duplicates([*keys, "merchant_id"])
            .groupby(keys, sort=False)["merchant_id"]
            .agg(" ".join),
        },
        axis=1,
    ).reset_index()
    more = out["rows"] > MAX_LINES
    out.loc[more, "lines"] = out.loc[more, "lines"] + " …"
    return out[cols]


def _spellings(rng: np.random.Generator, n: int, rings: bool) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "kind": rng.choice(["phone", "address", "=x"], n, p=[0.8, 0.1, 0.1]),
            "key": rng.choice(["k1", "k2", "<k&3>"], n, p=[0.8, 0.1, 0.1]),
            "merchant_id": rng.choice([f"M{i}" for i in range(6)], n),
            "raw": rng.choice(
                np.array(["0086 1", "+86 1", "a,b", "x" * 30, None], dtype=object), n
            ),
            "file": rng.choice(["identifiers.csv", "shipments.csv"], n, p=[0.9, 0.1]),
            "line": rng.integers(2, 400, n),
        }
    )
    if rings:
        frame.insert(0, "ring_id", rng.choice(["R-2", "R-1", "R-10"], n))
    return frame


@pytest.mark.parametrize("seed", range(8))
def test_provenance_table_equals_the_groupby_definition(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # few distinct keys: groups of more than MAX_LINES rows are common
    rows = _spellings(rng, int(rng.integers(1, 600)), rings=seed % 2 == 0)
    members = pd.Series(["M1", "M2", "M5"]) if seed % 3 == 0 else None
    new = provenance_table(rows, members)
    old = _old_provenance_table(rows, members)
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    if members is None and len(rows) > 200:
        assert (new["rows"] > MAX_LINES).any()
        assert new["lines"].str.endswith(" …").any()


def test_provenance_table_of_nothing_has_its_columns() -> None:
    empty = _spellings(np.random.default_rng(0), 3, rings=True).head(0)
    out = provenance_table(empty)
    assert list(out.columns) == ["ring_id", *PROVENANCE_COLUMNS]
    assert out.empty


def test_spellings_of_some_shops_are_all_spellings_cut_to_those_shops(sample: SampleInfo) -> None:
    """A run keeps the raw spellings of its rings' shops only: the same rows, in the same
    order, as every spelling cut to those shops, found from the reader's row shops or, when
    a dataset lacks them, from the ids."""
    dataset = read_dataset(sample.data_dir)
    store = MemoryStore()
    store.load(dataset)
    holdings = store.holdings()
    shared = holdings.loc[holdings.duplicated(["kind", "key"], keep=False), ["kind", "key"]]
    wanted = shared.drop_duplicates().sample(300, random_state=1)
    every = spellings(dataset, wanted)
    shops = pd.Series(holdings["merchant_id"].drop_duplicates().sample(200, random_state=2))
    want = every.loc[every["merchant_id"].isin(shops)].reset_index(drop=True)
    assert len(want) > 50 and len(want) < len(every)
    pd.testing.assert_frame_equal(spellings(dataset, wanted, shops), want)
    bare = Dataset(tables=dataset.tables, rejects=dataset.rejects, sources=dataset.sources)
    pd.testing.assert_frame_equal(spellings(bare, wanted, shops), want)
