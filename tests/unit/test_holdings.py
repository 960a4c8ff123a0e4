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
