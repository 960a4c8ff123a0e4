"""The per-group joins give what the pandas one-call-per-group forms gave, on any input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphring.grouped import joined, joined_distinct, of_groups, shop_rows, with_shop_columns

WORDS = ["", "a", "b", "B", "é", "店", "a;b", "phone ×2", "phone", "phone address", "z"]


def _random_frame(seed: int, rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "ring": rng.choice(["R-2", "R-1", "R-10", "é"], rows),
            "node": rng.integers(0, 6, rows),
            "v": rng.choice(WORDS, rows),
        }
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("by", [["ring"], ["ring", "node"], ["node"]])
def test_distinct_values_joined_as_sorted_sets_are(seed: int, by: list[str]) -> None:
    f = _random_frame(seed, rows=int(np.random.default_rng(seed).integers(0, 300)))
    grouped = f.groupby(by, sort=True)["v"]
    every = grouped.agg(lambda v: ";".join(sorted(set(v)))) if len(f) else None
    filled = grouped.agg(lambda v: ";".join(sorted({x for x in v if x}))) if len(f) else None
    got_every = joined_distinct(f, by, "v")
    got_filled = joined_distinct(f, by, "v", skip_empty=True)
    if every is None:
        assert got_every.empty and got_filled.empty
        return
    pd.testing.assert_series_equal(got_every, every, check_names=False)
    pd.testing.assert_series_equal(got_filled, filled, check_names=False)


@pytest.mark.parametrize("seed", range(6))
def test_values_joined_in_row_order_as_a_join_per_group_is(seed: int) -> None:
    f = _random_frame(seed, rows=200).sample(frac=1.0, random_state=seed)
    by = ["ring", "node"]
    want = f.groupby(by, sort=True)["v"].agg(", ".join)
    pd.testing.assert_series_equal(joined(f, by, "v"), want, check_names=False)


def test_a_group_whose_values_are_all_left_out_is_kept_with_empty_text() -> None:
    f = pd.DataFrame({"g": ["x", "x", "y"], "v": ["", "", "b"]})
    got = joined_distinct(f, ["g"], "v", skip_empty=True)
    assert got.to_dict() == {"x": "", "y": "b"}


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("twice", [False, True])
def test_rows_of_groups_are_the_merges_rows(seed: int, twice: bool) -> None:
    """``of_groups`` gives the inner merge's rows, columns and order, whether each shop is
    in one group (looked up) or some are in two (merged)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {"merchant_id": rng.choice(list("abcdefg"), 120), "n": rng.integers(0, 9, 120)}
    )
    shops = list(rng.choice(list("abcdefgh"), 5, replace=False)) + (["a", "b"] if twice else [])
    groups = pd.DataFrame({"merchant_id": shops, "ring": [f"R{i}" for i in range(len(shops))]})
    want = frame.merge(groups, on="merchant_id")
    pd.testing.assert_frame_equal(of_groups(frame, groups, "ring"), want)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("how", ["left", "inner"])
def test_shop_columns_looked_up_are_the_merges(seed: int, how: str) -> None:
    """Columns of a one-row-per-shop table added by lookup equal the merge's, whether the
    table is sorted by id or not, every shop found or not, the ids text or not."""
    rng = np.random.default_rng(seed)
    ids = sorted({f"M{i}" for i in rng.integers(0, 60, 40)} | {"é", "店", "M1\x00"})
    table = pd.DataFrame(
        {
            "merchant_id": ids,
            "score": rng.random(len(ids)),
            "n": rng.integers(0, 9, len(ids)),
            "province": rng.choice(np.array(["", "浙江", None], dtype=object), len(ids)),
        }
    )
    if seed % 3 == 1:
        table = table.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    pool = ids + (["nobody"] if seed % 2 else [])
    frame = pd.DataFrame(
        {
            "merchant_id": rng.choice(np.array(pool, dtype=object), 30),
            "ring": rng.integers(0, 5, 30),
        },
        index=rng.permutation(100)[:30],
    )
    if seed == 6:
        frame.loc[frame.index[0], "merchant_id"] = 7  # not text
    cols = ["score", "n", "province"]
    want = frame.merge(table[["merchant_id", *cols]], on="merchant_id", how=how)
    pd.testing.assert_frame_equal(with_shop_columns(frame, table, cols, how), want)
    at = shop_rows(table, frame["merchant_id"])
    if seed % 3 != 1 and seed != 6:
        assert at is not None
        hit = at >= 0
        assert (
            table["merchant_id"].to_numpy()[at[hit]].tolist() == frame["merchant_id"][hit].tolist()
        )
        assert not frame["merchant_id"][~hit].isin(ids).any()
    else:
        assert at is None


def test_shop_columns_looked_up_keep_their_types() -> None:
    table = pd.DataFrame(
        {
            "merchant_id": ["a", "b", "c"],
            "province": pd.Series(["x", None, "z"], dtype="string"),
            "n": pd.Series([1, None, 3], dtype="Int64"),
            "cat": pd.Categorical(["u", "v", "u"]),
            "at": pd.to_datetime(["2020-01-01", "2021-01-01", None]).tz_localize("UTC"),
        }
    )
    cols = ["province", "n", "cat", "at"]
    for frame in (
        pd.DataFrame({"merchant_id": ["c", "a"]}, index=[7, 9]),
        table.head(0)[["merchant_id"]],
    ):
        for how in ("left", "inner"):
            want = frame.merge(table, on="merchant_id", how=how)
            pd.testing.assert_frame_equal(with_shop_columns(frame, table, cols, how), want)
