"""The embedded default: the graph kept as pandas tables in this process. No server."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from graphring.contract import Dataset
from graphring.stores.base import (
    ADDRESS_COLUMNS,
    HOLDING_COLUMNS,
    HeldCodes,
    Store,
    factorize_sorted,
    holdings_and_codes,
)
from graphring.stores.memory_holdings import coded_holdings


class MemoryStore(Store):
    """Holds one dataset in memory; loading again replaces it."""

    name = "memory"

    def __init__(self) -> None:
        self._t: dict[str, pd.DataFrame] = {}
        self._holdings: pd.DataFrame | None = None
        self._shops: dict[str, np.ndarray] | None = None
        #: the holdings as codes, when made from codes
        self._codes: HeldCodes | None = None

    def load(self, dataset: Dataset) -> dict[str, int]:
        # the dataset's own tables, not copies (they are not changed here; ``_line`` is
        # left out where tables are handed on): a million shops' tables are gigabytes
        self._t = dict(dataset.tables)
        self._shops = dataset.shops
        self._holdings = self._codes = None
        holdings = self.holdings()
        if self._codes is not None:
            keys = _keys_per_kind(self._codes)
        else:
            kinds, names = factorize_sorted(holdings["kind"])
            keys = distinct_keys(holdings["key"].to_numpy(dtype=object), kinds, names)
        return {
            "Merchant": len(self._t["merchants"]),
            "Address": keys.pop("address", 0),
            "Account": keys.pop("account", 0),
            "Identifier": sum(keys.values()),
            "Shipment": len(self._t["shipments"]),
            "Listing": len(self._t["listings"]),
        }

    def _table(self, name: str) -> pd.DataFrame:
        if not self._t:
            from graphring.errors import StoreError

            raise StoreError("the memory store is empty: load a dataset first")
        return self._t[name]

    def _merchant_rows(self) -> pd.DataFrame:
        return self._table("merchants")

    def _listing_rows(self) -> pd.DataFrame:
        return self._table("listings")

    def _shipment_rows(self) -> pd.DataFrame:
        return self._table("shipments")

    def _address_rows(self, keys: Sequence[str] | None) -> pd.DataFrame:
        a = self._table("addresses")
        s = self._table("shipments")
        if keys is not None:
            a = a.loc[a["key"].isin(keys)]
            s = s.loc[s["origin_key"].isin(keys)]
        return pd.concat(
            [
                a[ADDRESS_COLUMNS],
                pd.DataFrame(
                    {
                        "key": s["origin_key"],
                        "address": s["origin"],
                        "province": "",
                        "city": "",
                        "lat": np.nan,
                        "lon": np.nan,
                    }
                ),
            ],
            ignore_index=True,
        )

    def holdings(self) -> pd.DataFrame:
        """Derived once per load and kept (:meth:`Store.holdings`)."""
        if self._holdings is None:
            self._table("merchants")  # a store with nothing loaded says so
            coded = coded_holdings(self._t, self._shops)
            if coded is None:
                self._holdings, self._codes = super().holdings(), None
            else:
                self._holdings, self._codes = holdings_and_codes(coded)
        return self._holdings

    def holding_codes(self) -> HeldCodes | None:
        self.holdings()
        return self._codes

    def forget_derived(self) -> None:
        self._holdings = self._codes = None

    def _holding_rows(self) -> pd.DataFrame:
        a = self._table("addresses")
        s = self._table("shipments")
        p = self._table("payment_accounts")
        i = self._table("identifiers")
        origins = (
            s.groupby(["merchant_id", "origin_key"], sort=False)
            .size()
            .rename("shipments")
            .reset_index()
            .rename(columns={"origin_key": "key"})
        )
        phones = s.loc[s["sender_phone_key"] != "", ["merchant_id", "sender_phone_key"]]
        parts = [
            a[["merchant_id", "key", "role"]].assign(kind="address", shipments=0),
            origins.assign(kind="address", role="origin"),
            phones.rename(columns={"sender_phone_key": "key"}).assign(
                kind="phone", role="", shipments=0
            ),
            p[["merchant_id", "key"]].assign(kind="account", role="", shipments=0),
            i[["merchant_id", "kind", "key"]].assign(role="", shipments=0),
        ]
        return pd.concat([x[HOLDING_COLUMNS] for x in parts], ignore_index=True)


def distinct_keys(keys: np.ndarray, kinds: np.ndarray, names: np.ndarray) -> dict[str, int]:
    """The number of distinct ``keys`` of each kind (``kinds``: codes among ``names``), as
    a Python set of each kind's keys: the strings keep their hashes, so this is as quick
    as Arrow's hash of the text, and unlike pandas' it tells "a" from "a\\x00"."""
    return {str(name): len(set(keys[kinds == code])) for code, name in enumerate(names)}


def _keys_per_kind(codes: HeldCodes) -> dict[str, int]:
    """:func:`distinct_keys` of holdings made as codes: each kind's identifiers counted."""
    ident_kind = np.zeros(len(codes.key_names), dtype=np.int64)
    ident_kind[codes.ident] = codes.kind
    counts = np.bincount(ident_kind, minlength=len(codes.kind_names))
    return {str(name): int(n) for name, n in zip(codes.kind_names, counts, strict=True)}
