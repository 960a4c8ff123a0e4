"""The holdings table (who holds which address, account, phone...), however it is derived."""

from __future__ import annotations

import pandas as pd
import pytest

from graphring.contract import read_dataset
from graphring.sample import SampleInfo
from graphring.stores import base
from graphring.stores.memory import MemoryStore


def test_holdings_grouped_over_processes_equal_those_grouped_here(
    sample: SampleInfo, monkeypatch: pytest.MonkeyPatch, process_pools: list[int]
) -> None:
    data = read_dataset(sample.data_dir)
    here = MemoryStore()
    here.load(data)
    monkeypatch.setattr(base, "PARALLEL_HOLDING_ROWS", 0)
    spread = MemoryStore(processes=3)
    spread.load(data)
    assert process_pools == [3]
    expected = here.holdings()
    assert len(expected) > 1000 and expected["merchant_id"].nunique() > 100
    pd.testing.assert_frame_equal(spread.holdings(), expected, check_exact=True)


def test_text_is_sorted_in_pythons_order_with_missing_values_last() -> None:
    words = ["b", "a", "é", "Z", "ab", "中", "😀", "a\x00", "", "ﬀ", "B", None, "a"]
    frame = pd.DataFrame({"k": pd.Series(words, dtype=object), "n": range(len(words))})
    out = base.sort_frame(frame, ["k"])
    assert out["k"].tolist() == sorted(w for w in words if w is not None) + [None]
    # stable: the two "a" keep their order
    assert out.loc[out["k"] == "a", "n"].tolist() == [1, 12]
    codes, uniques = base.factorize_sorted(frame["k"])
    assert list(uniques) == sorted(set(w for w in words if w is not None))
    assert [uniques[c] if c >= 0 else None for c in codes] == words
