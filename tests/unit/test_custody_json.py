"""ring.json with its chain of custody spliced in as JSON made once equals the file
written from the whole object."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from graphring.rundir.custody import json_text, json_text_ending, member_json

_VALUES: list[Any] = [
    "plain",
    'say "hi"\nnext line',
    "é € 中",
    "</script>",
    "",
    0,
    -3,
    2.5,
    float("nan"),
    None,
    True,
    [],
    {},
    np.int64(7),
    pd.Timestamp("2024-01-02 03:04"),
]


def _value(rng: np.random.Generator, depth: int) -> Any:
    pick = int(rng.integers(0, 3 if depth < 3 else 1))
    if pick == 0:
        value = _VALUES[int(rng.integers(0, len(_VALUES)))]
        return None if isinstance(value, float) and value != value else value
    if pick == 1:
        return [_value(rng, depth + 1) for _ in range(int(rng.integers(0, 4)))]
    return {f"k{i}": _value(rng, depth + 1) for i in range(int(rng.integers(0, 4)))}


@pytest.mark.parametrize("seed", range(20))
def test_spliced_json_equals_the_whole_objects_json(seed: int) -> None:
    rng = np.random.default_rng(seed)
    doc = {f"d{i}": _value(rng, 1) for i in range(int(rng.integers(1, 6)))}
    ending = {"custody": _value(rng, 1), "files": {"a.csv": "00ff", "b é.svg": ""}}
    made = json_text_ending(doc, {k: member_json(v) for k, v in ending.items()})
    assert made == json_text({**doc, **ending})


def test_splicing_a_key_the_object_has_is_refused() -> None:
    with pytest.raises(ValueError):
        json_text_ending({"files": 1}, {"files": member_json({})})
    with pytest.raises(ValueError):
        json_text_ending({}, {"files": member_json({})})
