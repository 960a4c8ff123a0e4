"""The store's public steps are written once in Store: a store filling the hooks with rows
as it holds them (any order, numbers and dates as text) answers conformed frames."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

from graphring.stores.base import ADDRESS_COLUMNS, MERCHANT_COLUMNS, Store, finish_addresses


class RowsStore(Store):
    """Answers the hooks with raw, unsorted rows, as a server hands them back."""

    def load(self, dataset: Any) -> dict[str, int]:
        return {}

    def _merchant_rows(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "zeta": ["z2", "z1"],
                **{c: ["M2", "M1"] for c in MERCHANT_COLUMNS[:5]},
                "opened_on": ["2024-02-29", None],
                "monthly_orders": ["7", None],
                "rating": [4, "x"],
                "alpha": [1, 2],
            }
        )

    def _listing_rows(self) -> pd.DataFrame:
        cols = ["listing_id", "merchant_id", "brand", "title", "image_text"]
        return pd.DataFrame(
            {c: [f"L{n}" for n in (2, 1)] for c in cols} | {"price": ["9.5", None]}
        ).assign(reference_price=[None, None], extra=["e", "e"])

    def _shipment_rows(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "shipment_id": ["S2", "S1"],
                "merchant_id": ["M1", "M1"],
                "origin_key": ["k", "k"],
                "shipped_at": ["2024-01-02T03:04:05", "not a date"],
                "carrier": ["c", "c"],
                "origin": ["o", "o"],
            }
        )

    def _address_rows(self, keys: Sequence[str] | None) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "key": ["b", "a", "a"],
                "address": ["B St", "A2", "A1"],
                "province": [None, "P", ""],
                "city": ["", "C", None],
                "lat": [np.nan, 1.0, 3.0],
                "lon": [np.nan, 2.0, 4.0],
            }
        )

    def _holding_rows(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "shipments": [1, 2, None],
                "merchant_id": ["M2", "M1", "M1"],
                "kind": ["address", "address", "phone"],
                "key": ["k", "k", "p"],
                "role": ["origin", "origin", None],
            }
        )


def test_the_base_class_conforms_what_the_hooks_return() -> None:
    store = RowsStore()
    m = store.merchants()
    assert list(m.columns) == [*MERCHANT_COLUMNS, "alpha", "zeta"]
    assert m["merchant_id"].tolist() == ["M1", "M2"] and m["zeta"].tolist() == ["z1", "z2"]
    assert m["opened_on"].tolist()[1] == pd.Timestamp("2024-02-29") and pd.isna(
        m.at[0, "opened_on"]
    )
    assert m["monthly_orders"].dtype == "float64" and m["rating"].isna().tolist() == [True, False]
    listings = store.listings()
    assert listings["listing_id"].tolist() == ["L1", "L2"] and "extra" not in listings.columns
    assert listings["price"].dtype == "float64" and listings["reference_price"].isna().all()
    s = store.shipments()
    assert s["shipment_id"].tolist() == ["S1", "S2"] and "origin" not in s.columns
    assert pd.isna(s.at[0, "shipped_at"]) and s.at[1, "shipped_at"].hour == 3
    a = store.addresses()
    assert a.to_dict("list") == {
        "key": ["a", "b"],
        "address": ["A1", "B St"],
        "province": ["P", ""],
        "city": ["C", ""],
        "lat": [2.0, pytest.approx(np.nan, nan_ok=True)],
        "lon": [3.0, pytest.approx(np.nan, nan_ok=True)],
    }
    assert store.addresses(["b"])["key"].tolist() == ["b"]
    h = store.holdings()
    assert h.to_dict("list") == {
        "merchant_id": ["M1", "M1", "M2"],
        "kind": ["address", "phone", "address"],
        "key": ["k", "p", "k"],
        "role": ["origin", "", "origin"],
        "shipments": [2, 0, 1],
    }


def test_a_store_without_a_hook_says_so() -> None:
    class Empty(Store):
        def load(self, dataset: Any) -> dict[str, int]:
            return {}

    with pytest.raises(NotImplementedError, match="Empty holds no shops"):
        Empty().merchants()


def _addresses_by_pandas(raw: pd.DataFrame) -> pd.DataFrame:
    """finish_addresses as pandas says it: a group's greatest strings by max."""
    raw = raw[ADDRESS_COLUMNS].copy()
    for col in ["province", "city"]:
        raw[col] = raw[col].fillna("").astype(str)
    for col in ["lat", "lon"]:
        raw[col] = pd.to_numeric(raw[col], errors="coerce").astype("float64")
    raw = raw.sort_values(["key", "address"], kind="stable")
    return raw.groupby("key", sort=True, as_index=False).agg(
        address=("address", "first"),
        province=("province", "max"),
        city=("city", "max"),
        lat=("lat", "mean"),
        lon=("lon", "mean"),
    )[ADDRESS_COLUMNS]


@pytest.mark.parametrize("seed", range(6))
def test_finish_addresses_takes_each_keys_greatest_province_and_city(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 60))
    words = np.array(["", "a", "b", "B", "a\x00", "é", "省", "zz", None, np.nan, 7], dtype=object)
    pick = lambda: words[rng.integers(0, len(words), n)]  # noqa: E731
    raw = pd.DataFrame(
        {
            "key": np.array(["k1", "k2", "k3", None, "k\x00"], dtype=object)[rng.integers(0, 5, n)],
            "address": pick(),
            "province": pick(),
            "city": pick(),
            "lat": rng.choice([1.5, np.nan, 2.25, "3", "x"], n),
            "lon": rng.normal(size=n),
        }
    )
    expected = _addresses_by_pandas(raw)
    pd.testing.assert_frame_equal(finish_addresses(raw), expected, check_exact=True)
