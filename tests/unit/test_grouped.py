"""The per-group joins give what the pandas one-call-per-group forms gave, on any input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphring.grouped import joined, joined_distinct, of_groups

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
