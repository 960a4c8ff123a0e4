"""The embedded store's holding rows, made as codes straight from the dataset's tables.

Each part (address roles, parcel origins, sender phones, accounts, other identifiers) has
one kind and, but for the addresses, one role: those codes are set per part, not found by
hashing every row's string. Each row's shop is the reader's (the row of its merchant in
the merchants table, :attr:`graphring.contract.Dataset.shops`) when the reader gave it. A
parcel origin is one row per parcel, of one parcel: the grouping that follows sums them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from graphring.stores.base import CodedHoldings, checked_rows, factorize_sorted

#: The tables the holdings are made of (besides the merchants, for the shops' order).
HELD_TABLES = ("addresses", "shipments", "payment_accounts", "identifiers")


def coded_holdings(
    tables: Mapping[str, pd.DataFrame], shops: Mapping[str, np.ndarray] | None = None
) -> CodedHoldings | None:
    """The raw holding rows of ``tables`` (as ``MemoryStore._holding_rows`` makes them)
    as codes; None when a key or kind is not text (then
    :func:`graphring.stores.base.finish_holdings` takes the rows as they are)."""
    s = tables["shipments"]
    phoned = (s["sender_phone_key"] != "").to_numpy(dtype=bool)
    # (table, its rows in the part (None: all), key column), in the order of the parts
    parts: list[tuple[str, np.ndarray | None, str]] = [
        ("addresses", None, "key"),
        ("shipments", None, "origin_key"),
        ("shipments", phoned, "sender_phone_key"),
        ("payment_accounts", None, "key"),
        ("identifiers", None, "key"),
    ]
    keys = [_part(tables[t][c].to_numpy(dtype=object), mask) for t, mask, c in parts]
    try:
        key_text = pa.concat_arrays([pa.array(k, type=pa.string()) for k in keys])
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    n = [len(k) for k in keys]
    kinds = _text_codes(tables["identifiers"]["kind"])
    if kinds is None:
        return None
    kind_names = _names(["address", "phone", "account"], kinds[1])
    kind = np.concatenate(
        [
            _same("address", n[0] + n[1], kind_names),
            _same("phone", n[2], kind_names),
            _same("account", n[3], kind_names),
            _recoded(*kinds, kind_names),
        ]
    )
    roles = _text_codes(tables["addresses"]["role"].fillna("").astype(str))
    assert roles is not None, "str() of anything is text"
    role_names = _names(["origin", ""], roles[1])
    role = np.concatenate(
        [
            _recoded(*roles, role_names),
            _same("origin", n[1], role_names),
            _same("", n[2] + n[3] + n[4], role_names),
        ]
    )
    shop, shop_names = _shop_codes(tables, shops, parts)
    shipments = np.zeros(len(key_text), dtype=np.int64)
    shipments[n[0] : n[0] + n[1]] = 1
    return CodedHoldings(
        shop=shop,
        shop_names=shop_names,
        kind=kind,
        kind_names=kind_names,
        key_text=key_text,
        keys=np.concatenate(keys),
        role=role,
        role_names=role_names,
        shipments=shipments,
    )


def _part(values: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    return values if mask is None or mask.all() else values[mask]


def _text_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`factorize_sorted` of ``values``, when every value given is text."""
    codes, names = factorize_sorted(values)
    if not all(isinstance(v, str) for v in names):
        return None
    return codes, np.asarray(names, dtype=object)


def _names(fixed: list[str], found: np.ndarray) -> np.ndarray:
    """The distinct names of both, sorted (Python's order is UTF-8 byte order)."""
    return np.array(sorted({*fixed, *found.tolist()}), dtype=object)


def _same(name: str, n: int, names: np.ndarray) -> np.ndarray:
    """``n`` rows of ``name``'s code among ``names``."""
    return np.full(n, int(np.searchsorted(names, name)), dtype=np.int32)


def _recoded(codes: np.ndarray, found: np.ndarray, names: np.ndarray) -> np.ndarray:
    """Codes among ``found`` as codes among ``names`` (which hold them all); -1 stays."""
    where = np.searchsorted(names, found).astype(np.int32)
    return np.where(codes >= 0, where[np.maximum(codes, 0)] if len(where) else 0, -1).astype(
        np.int32
    )


def _shop_codes(
    tables: Mapping[str, pd.DataFrame],
    shops: Mapping[str, np.ndarray] | None,
    parts: list[tuple[str, np.ndarray | None, str]],
) -> tuple[np.ndarray, np.ndarray]:
    """Each part's rows' shops as codes (-1: none) and the names they stand for, sorted.
    From the reader's merchants-table rows when it gave them for every table as they
    still are (the shops' order is then found among the merchants alone), else from
    the ids."""
    merchants = tables["merchants"]["merchant_id"]
    if shops is not None and all(still_of(tables[t], shops.get(t), merchants) for t in HELD_TABLES):
        rank, names = factorize_sorted(merchants)
        if len(names) == len(merchants) and bool((rank >= 0).all()):
            rows = np.concatenate([_part(shops[t], mask) for t, mask, _ in parts])
            found = rows >= 0
            shop = np.full(len(rows), -1, dtype=np.int32)
            shop[found] = rank[rows[found]]
            return shop, np.asarray(names, dtype=object)
    ids = np.concatenate(
        [_part(tables[t]["merchant_id"].to_numpy(dtype=object), mask) for t, mask, _ in parts]
    )
    codes, names = factorize_sorted(pd.Series(ids, dtype=object))
    return codes.astype(np.int32), np.asarray(names, dtype=object)


def still_of(table: pd.DataFrame, rows: np.ndarray | None, merchants: pd.Series) -> bool:
    """Whether ``rows`` (merchants-table rows, -1: no id) are still those of ``table``'s
    ids: one per row, and right on a sample of rows (a table replaced, reordered or
    filtered since it was read fails this)."""
    if rows is None or len(rows) != len(table):
        return False
    sample = checked_rows(len(rows))
    at, ids = rows[sample], table["merchant_id"].to_numpy(dtype=object)[sample]
    known = merchants.to_numpy(dtype=object)
    if bool((at >= len(known)).any()):
        return False
    found = at >= 0
    return bool((known[at[found]] == ids[found]).all() and pd.isna(ids[~found]).all())
