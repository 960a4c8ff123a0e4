"""The holdings table (who holds which address, account, phone...), however it is derived."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from graphring.contract import Dataset, read_dataset
from graphring.sample import SampleInfo
from graphring.stores import base
from graphring.stores.memory import MemoryStore
from graphring.stores.memory_holdings import HELD_TABLES, coded_holdings, still_of


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


def _messy_tables(seed: int) -> dict[str, pd.DataFrame]:
    """Tables as a dataset holds them, with missing ids, keys, roles and kinds, empty
    phone keys, text whose byte order and Python order agree, repeated holdings."""
    rng = np.random.default_rng(seed)
    ids = ["M3", "M10", "M1", "é", "中", "M1\x00", "m2"]
    keys = ["k1", "k2", "é1", "a\x00", "a", "", "中文", None, "Z", "k1 "]

    def pick(pool: list[Any], n: int) -> np.ndarray:
        return rng.choice(np.array(pool, dtype=object), size=n)

    def rows(n: int, **cols: list[Any]) -> pd.DataFrame:
        return pd.DataFrame(
            {"merchant_id": pick([*ids, None], n), **{c: pick(p, n) for c, p in cols.items()}}
        )

    return {
        "merchants": pd.DataFrame({"merchant_id": ids}),
        "addresses": rows(60, key=keys, role=["registered", "return", "", None]),
        "shipments": rows(80, origin_key=keys, sender_phone_key=["", "p1", "p2", None]),
        "payment_accounts": rows(40, key=keys),
        "identifiers": rows(90, kind=["phone", "email", "é", None], key=keys),
        "listings": pd.DataFrame({"listing_id": []}),
    }


def _plain_counts(h: pd.DataFrame) -> dict[str, int]:
    """The node counts as defined: distinct keys of addresses, of accounts, and distinct
    (kind, key) of the other identifiers; counted as Python tuples (pandas' nunique and
    drop_duplicates take "a" and "a\\x00" for one key, which the holdings keep apart)."""
    pairs = set(zip(h["kind"], h["key"], strict=True))
    return {
        "Address": sum(k == "address" for k, _ in pairs),
        "Account": sum(k == "account" for k, _ in pairs),
        "Identifier": sum(k not in ("address", "account") for k, _ in pairs),
    }


@pytest.mark.parametrize("seed", range(6))
def test_the_memory_stores_coded_holdings_are_those_of_its_raw_rows(seed: int) -> None:
    """Holdings made as codes from the tables (kinds and roles set per part, shops from
    the reader's merchants-table rows or from the ids) are the table
    ``finish_holdings`` makes of the raw rows, and the node counts are as defined."""
    tables = _messy_tables(seed)
    known = pd.Index(tables["merchants"]["merchant_id"])
    shops = {t: known.get_indexer(tables[t]["merchant_id"]).astype(np.int32) for t in HELD_TABLES}
    plain = MemoryStore()
    plain._t = tables
    expected = base.finish_holdings(plain._holding_rows())
    assert len(expected) > 50 and expected["shipments"].max() > 1
    for given in (shops, None):
        coded = coded_holdings(tables, given)
        assert coded is not None
        got = base.finish_coded_holdings(coded)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        store = MemoryStore()
        counts = store.load(Dataset(tables=tables, rejects=pd.DataFrame(), shops=given))
        pd.testing.assert_frame_equal(store.holdings(), expected, check_exact=True)
        assert {k: counts[k] for k in ("Address", "Account", "Identifier")} == _plain_counts(
            expected
        )
        _assert_codes_describe(store.holding_codes(), expected)


def _assert_codes_describe(codes: base.HeldCodes | None, holdings: pd.DataFrame) -> None:
    """``codes`` are ``holdings``' rows, every row: shop, kind, role and key as named, the
    codes in the names' sorted order, and one identifier per distinct (kind, key) as
    Python tells text apart ("a" and "a\\x00" are two)."""
    assert codes is not None and codes.fits(holdings)
    for code, names, column in (
        (codes.shop, codes.shop_names, "merchant_id"),
        (codes.kind, codes.kind_names, "kind"),
        (codes.role, codes.role_names, "role"),
        (codes.ident, codes.key_names, "key"),
    ):
        assert names[code].tolist() == holdings[column].tolist()
    for names in (codes.shop_names, codes.kind_names, codes.role_names):
        assert names.tolist() == sorted(set(names.tolist()))
    pairs = list(zip(holdings["kind"], holdings["key"], strict=True))
    numbered = dict(zip(pairs, codes.ident.tolist(), strict=True))
    assert len(set(numbered.values())) == len(set(pairs)) == len(numbered)
    assert all(numbered[p] == i for p, i in zip(pairs, codes.ident.tolist(), strict=True))


def test_codes_no_longer_fit_a_table_changed_since() -> None:
    store = MemoryStore()
    store.load(Dataset(tables=_messy_tables(2), rejects=pd.DataFrame()))
    holdings, codes = store.holdings(), store.holding_codes()
    assert codes is not None and codes.fits(holdings)
    assert not codes.fits(holdings.iloc[1:])
    assert not codes.fits(holdings.iloc[::-1].reset_index(drop=True))
    other = holdings.copy()
    other.loc[0, "key"] = other.loc[0, "key"] + "x"
    assert not codes.fits(other)


def test_holdings_with_a_key_that_is_not_text_are_made_from_the_raw_rows() -> None:
    tables = _messy_tables(0)
    tables["identifiers"].loc[3, "key"] = float("nan")
    assert coded_holdings(tables, None) is None
    store = MemoryStore()
    store.load(Dataset(tables=tables, rejects=pd.DataFrame()))
    plain = MemoryStore()
    plain._t = tables
    expected = base.finish_holdings(plain._holding_rows())
    pd.testing.assert_frame_equal(store.holdings(), expected, check_exact=True)


def test_shops_given_for_a_table_changed_since_it_was_read_are_not_used() -> None:
    """The reader's shops describe the tables as read: a table reordered afterwards gets
    its shops from its ids, and the holdings are still those of its rows."""
    tables = _messy_tables(1)
    known = pd.Index(tables["merchants"]["merchant_id"])
    shops = {t: known.get_indexer(tables[t]["merchant_id"]).astype(np.int32) for t in HELD_TABLES}
    tables["addresses"] = tables["addresses"].iloc[::-1].reset_index(drop=True)
    assert not still_of(tables["addresses"], shops["addresses"], tables["merchants"]["merchant_id"])
    plain = MemoryStore()
    plain._t = tables
    coded = coded_holdings(tables, shops)
    assert coded is not None
    expected = base.finish_holdings(plain._holding_rows())
    pd.testing.assert_frame_equal(base.finish_coded_holdings(coded), expected, check_exact=True)


@pytest.mark.parametrize("seed", range(4))
def test_sort_frame_orders_text_as_ranked_codes_did(seed: int) -> None:
    """One Arrow sort of the text columns orders rows as sorting on their ranks
    (``factorize_sorted``, missing values last, stable) did."""
    rng = np.random.default_rng(seed)
    pool = np.array(["b", "a", "é", "Z", "ab", "中", "a\x00", "", None], dtype=object)
    frame = pd.DataFrame(
        {"x": rng.choice(pool, 300), "y": rng.choice(pool, 300), "n": np.arange(300)}
    )
    for by in (["x"], ["x", "y"], ["y", "x"]):
        ranks = []
        for c in reversed(by):
            codes, uniques = base.factorize_sorted(frame[c])
            ranks.append(np.where(codes < 0, len(uniques), codes))
        expected = frame.take(np.lexsort(ranks)).reset_index(drop=True)
        pd.testing.assert_frame_equal(base.sort_frame(frame, by), expected, check_exact=True)


def test_holdings_forgotten_are_derived_again_the_same() -> None:
    store = MemoryStore()
    store.load(Dataset(tables=_messy_tables(3), rejects=pd.DataFrame()))
    holdings = store.holdings()
    store.forget_derived()
    again = store.holdings()
    assert again is not holdings
    pd.testing.assert_frame_equal(again, holdings, check_exact=True)
    _assert_codes_describe(store.holding_codes(), again)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("shops", [7, 10_000])
@pytest.mark.parametrize("one_integer", [True, False])
def test_holding_order_is_the_order_of_shop_kind_key_text_and_role(
    seed: int, shops: int, one_integer: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Holding rows in (shop, kind, key, role) order, keys as Python orders text, however
    many shops there are (a few of many: the text sorted whole) and whether the codes
    make one integer or not."""
    import pyarrow as pa

    if not one_integer:
        monkeypatch.setattr(base, "ONE_INTEGER", 0.0)
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    words = ["k1", "k2", "k10", "é", "e", "a\x00", "a", "", "中文", "Z", "k1 ", "\U0001f600"]
    text = [words[i] for i in rng.integers(0, len(words), n)]
    shop = rng.integers(0, shops, n).astype(np.int32)
    shop[rng.integers(0, n)] = rng.integers(0, 3)  # a few shops holding several keys
    kind = rng.integers(0, 3, n).astype(np.int32)
    role = rng.integers(-1, 2, n).astype(np.int32)
    key_text = pa.array(text, pa.string())
    order = base.holding_order(shop, kind, key_text, base.key_codes(key_text), role)
    rows = list(zip(shop.tolist(), kind.tolist(), text, role.tolist(), strict=True))
    assert sorted(order.tolist()) == list(range(n))
    assert [rows[i] for i in order] == sorted(rows)
