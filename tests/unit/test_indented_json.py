"""The run's JSON files are written as ``json.dumps(..., indent=2)`` writes them, byte for
byte, and fail as it fails."""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphring.rundir.custody import json_default, json_text
from graphring.rundir.indented import dumps_indented

#: text with what JSON escapes or keeps as it is ("" among the lists' strings too)
TEXT = (
    st.text(
        alphabet=st.sampled_from(
            ["a", "é", "店", "\u2028", "\u2029", '"', "\\", "\n", "\x00", "\x1f", "<", "😀"]
        )
    )
    | st.text()
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
    | st.sampled_from([0.1, 1e300, -0.0, 1e-7, 2**63, -(2**63)])
)
# values json.dumps hands to json_default: numpy numbers, timestamps, paths
OTHERS = st.sampled_from(
    [
        np.int64(7),
        np.float32(1.5),
        np.float64(2.25),
        np.float32("nan"),
        pd.Timestamp("2026-01-02 03:04"),
        datetime(2026, 1, 2),
        Path("x/y.csv"),
    ]
)
KEYS = (
    TEXT
    | st.integers()
    | st.booleans()
    | st.none()
    | st.floats(allow_nan=False, allow_infinity=False)
)


def _data(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda inner: (
            st.lists(inner, max_size=5)
            | st.lists(inner, max_size=3).map(tuple)
            | st.dictionaries(KEYS, inner, max_size=5)
        ),
        max_leaves=40,
    )


def _reference(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=json_default, allow_nan=False)


def _outcome(write: Any, data: Any) -> tuple[str, Any]:
    try:
        return "text", write(data)
    except (TypeError, ValueError) as e:
        return "error", type(e)


@settings(max_examples=400, deadline=None)
@given(_data(SCALARS | OTHERS))
def test_same_bytes_as_json_dumps(data: Any) -> None:
    assert dumps_indented(data, json_default) == _reference(data)
    assert json_text(data) == _reference(data) + "\n"


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        SCALARS
        | OTHERS
        | st.sampled_from([math.nan, math.inf, -math.inf, np.float64("nan"), object(), 1j]),
        lambda inner: (
            st.lists(inner, max_size=5)
            | st.dictionaries(KEYS | st.sampled_from([math.inf, math.nan]), inner, max_size=5)
        ),
        max_leaves=40,
    ),
    st.integers(min_value=0, max_value=4),
)
def test_fails_as_json_dumps_fails(data: Any, indent: int) -> None:
    """NaN and infinities raise ValueError, values json_default does not know TypeError,
    at the same value; any indent."""

    def reference(d: Any) -> str:
        return json.dumps(
            d, indent=indent, ensure_ascii=False, default=json_default, allow_nan=False
        )

    assert _outcome(lambda d: dumps_indented(d, json_default, indent), data) == _outcome(
        reference, data
    )


@pytest.mark.parametrize(
    "data",
    [
        [],
        {},
        [[]],
        {"a": {}},
        "",
        None,
        [None, True, False, 0, -1, 1.5, "é店\u2028"],
        {1: "int key", 2.5: "float key", False: "bool key", None: "none key"},
        {"nested": [{"a": [1, [2, [3, {}]]]}, [], {"b": None}]},
        (1, (2, 3)),
        np.int64(3),
        {"ts": pd.Timestamp("2026-01-02"), "n": [np.int64(1), np.float64(2.0)]},
    ],
)
def test_edge_values(data: Any) -> None:
    assert dumps_indented(data, json_default) == _reference(data)


def test_bad_key_and_circular_data_fail_as_json_dumps_fails() -> None:
    for bad in ({(1, 2): 1}, {"a": [{(1,): 2}]}, {np.int64(1): [1]}):
        with pytest.raises(TypeError):
            _reference(bad)
        with pytest.raises(TypeError):
            dumps_indented(bad, json_default)
    loop: list[Any] = [1]
    loop.append([loop])
    with pytest.raises(ValueError, match="Circular"):
        dumps_indented(loop, json_default)
    with pytest.raises(ValueError, match="Circular"):
        _reference(loop)
