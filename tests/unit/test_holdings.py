"""The holdings table (who holds which address, account, phone...), however it is derived."""

from __future__ import annotations

import pandas as pd

from graphring.contract import read_dataset
from graphring.sample import SampleInfo
from graphring.stores import base
from graphring.stores.memory import MemoryStore


def test_holdings_are_grouped_and_ordered_as_a_plain_groupby_on_the_text(
    sample: SampleInfo,
) -> None:
    """finish_holdings groups on one integer made of four sorted codes; the table is the
    one a plain pandas groupby over the strings gives (rows, order and parcel counts),
    including rows with no key (left out), no role (grouped as empty) and text whose
    order Python and byte order share."""
    store = MemoryStore()
    store.load(read_dataset(sample.data_dir))
    raw = store._holding_rows()
    odd = pd.DataFrame(
        {
            "merchant_id": [raw["merchant_id"].iloc[0]] * 4 + [None],
            "kind": ["phone", "phone", "phone", None, "phone"],
            "key": ["é1", "é1", "a\x00", "x", "y"],
            "role": [None, None, "", "r", "r"],
            "shipments": [2, 3, None, 1, 1],
        }
    )
    raw = pd.concat([raw, odd], ignore_index=True)
    got = base.finish_holdings(raw)
    plain = raw[base.HOLDING_COLUMNS].assign(role=raw["role"].fillna("").astype(str))
    plain = plain.dropna(subset=["merchant_id", "kind", "key"])
    plain["shipments"] = plain["shipments"].fillna(0).astype("int64")
    expected = plain.groupby(["merchant_id", "kind", "key", "role"], as_index=False)[
        "shipments"
    ].sum()
    assert len(expected) > 1000 and expected["merchant_id"].nunique() > 100
    assert ((got["key"] == "é1") & (got["shipments"] == 5)).sum() == 1
    pd.testing.assert_frame_equal(got, expected[base.HOLDING_COLUMNS], check_exact=True)


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


def test_distinct_values_are_the_inputs_own_strings_in_sorted_order() -> None:
    values = pd.Series(["b" + "x" * 5, None, "a" * 3, "b" + "x" * 5, "é", "a\x00"], dtype=object)
    codes, uniques = base.factorize_sorted(values)
    assert uniques.tolist() == ["a\x00", "aaa", "bxxxxx", "é"]
    assert codes.tolist() == [2, -1, 1, 2, 3, 0]
    # no copies: each distinct value is one of the strings the rows hold
    assert all(any(u is v for v in values) for u in uniques)


def test_holdings_with_keys_that_are_not_text_are_grouped_the_same_way() -> None:
    raw = pd.DataFrame(
        {
            "merchant_id": ["M2", "M1", "M1", "M1", "M2"],
            "kind": ["phone"] * 5,
            # a number where text was expected, and a float NaN: Arrow takes neither as text
            "key": ["b", 7, "a", float("nan"), "b"],
            "role": ["", "", "", "", ""],
            "shipments": [1, 2, 3, 4, 5],
        }
    )
    got = base.finish_holdings(raw)
    assert got[["merchant_id", "key", "shipments"]].values.tolist() == [
        ["M1", 7, 2],
        ["M1", "a", 3],
        ["M2", "b", 6],
    ]
