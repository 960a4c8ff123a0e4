"""Batches as Bolt-ready columns: one list per field (the driver packs that about twice as
fast as a list of maps), the columns a file has beyond the contract as one map per row,
and integer codes for rows of strings."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from graphring.contract import TABLES, Dataset
from graphring.stores.base import MERCHANT_COLUMNS


def bolt_column(values: pd.Series) -> list[Any]:
    """One column as a Bolt-ready list: NaN/NaT/NA as null, numpy scalars as Python ones."""
    return values.astype(object).where(values.notna(), None).tolist()


Extra = list[dict[str, Any]] | None


def extra_maps(frame: pd.DataFrame, named: list[str]) -> Extra:
    """The columns a file has beyond the contract, as one map per row (None if there are none)."""
    other = [c for c in frame.columns if c not in named and c != "_line"]
    if not other:
        return None
    return [
        {k: v for k, v in row.items() if v is not None}
        for row in frame[other].astype(object).where(frame[other].notna(), None).to_dict("records")
    ]


def bolt_columns(frame: pd.DataFrame, names: list[str]) -> dict[str, list[Any]]:
    return {name: bolt_column(frame[name]) for name in names}


def row_codes(*columns: np.ndarray) -> np.ndarray:
    """One code per row for its tuple of codes (each column's codes 0 or more), numbered
    in the tuples' sorted order; renumbered after each column, so never overflowing."""
    out = np.zeros(len(columns[0]), dtype=np.int64)
    for codes in columns:
        out = out * (int(codes.max()) + 1 if len(codes) else 1) + codes
        out = pd.factorize(out, sort=True)[0].astype(np.int64)
    return out


def distinct_rows(frame: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Each row's position among the distinct rows of ``frame``, and those rows, in sorted
    order. Columns are coded one by one: a MultiIndex of strings is slow."""
    positions = row_codes(*(pd.factorize(frame[c], sort=True)[0] for c in frame.columns))
    _, first = np.unique(positions, return_index=True)
    return positions, frame.iloc[first]


def contract_columns(table: str) -> list[str]:
    return [c.name for c in TABLES[table].columns]


def by_shop(dataset: Dataset, table: str, unique: list[str]) -> pd.DataFrame:
    """A table's rows, once each, sorted by shop (their pages are then read in order)."""
    frame = dataset[table].drop_duplicates(unique)
    return frame.sort_values("merchant_id", kind="stable")


def shop_columns(dataset: Dataset) -> tuple[pd.DataFrame, dict[str, list[Any]], Extra]:
    """Shops sorted by id: the frame, the columns sent, the extra columns' maps."""
    m = dataset["merchants"].sort_values("merchant_id", kind="stable")
    columns = bolt_columns(m, MERCHANT_COLUMNS[:5] + ["monthly_orders", "rating"])
    columns["opened_on"] = bolt_column(m["opened_on"].dt.strftime("%Y-%m-%d"))
    return m, columns, extra_maps(m, contract_columns("merchants"))


def add_extra(columns: dict[str, list[Any]], extra: Extra) -> dict[str, list[Any]]:
    """``columns`` and ``extra``: one map per row of the extra columns, or None (the
    queries then read null)."""
    return {**columns, "extra": extra}  # type: ignore[dict-item]


def parcel_columns(frame: pd.DataFrame) -> dict[str, list[Any]]:
    """The columns sent of parcels (both load paths)."""
    columns = bolt_columns(frame, ["shipment_id", "origin", "destination", "carrier"])
    columns["shipped_at"] = bolt_column(frame["shipped_at"].dt.strftime("%Y-%m-%dT%H:%M:%S"))
    return columns


def parcel_extras(frame: pd.DataFrame) -> Extra:
    return extra_maps(frame, contract_columns("shipments") + ["origin_key", "sender_phone_key"])


#: The columns stored on HAS_ADDRESS and on PAYS_INTO.
ADDRESS_EDGE = ["role", "address", "province", "city", "lat", "lon"]
ACCOUNT_EDGE = ["account", "provider", "holder"]
