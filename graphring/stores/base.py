"""What every store answers. The pipeline asks only these questions, so each step is
written once and runs the same on the embedded store and on Neo4j."""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graphring.contract import Dataset
from graphring.parallel import fork_map

#: Columns of :meth:`Store.merchants` before any extra attribute columns.
MERCHANT_COLUMNS = [
    "merchant_id",
    "name",
    "platform",
    "province",
    "city",
    "opened_on",
    "monthly_orders",
    "rating",
]
LISTING_COLUMNS = [
    "listing_id",
    "merchant_id",
    "brand",
    "title",
    "price",
    "reference_price",
    "image_text",
]
SHIPMENT_COLUMNS = ["shipment_id", "merchant_id", "origin_key", "shipped_at", "carrier"]
ADDRESS_COLUMNS = ["key", "address", "province", "city", "lat", "lon"]
#: Which shop holds which identifier, in which role; shipments counts parcels sent from it.
HOLDING_COLUMNS = ["merchant_id", "kind", "key", "role", "shipments"]


class Store(ABC):
    """A place the marketplace graph lives. Every answer is a DataFrame sorted by its key
    columns, so two stores holding the same data answer byte for byte the same."""

    name: str = "store"

    @abstractmethod
    def load(self, dataset: Dataset) -> dict[str, int]:
        """Put the dataset into the store (idempotent); returns node counts by label."""

    @abstractmethod
    def merchants(self) -> pd.DataFrame:
        """:data:`MERCHANT_COLUMNS` plus extra attribute columns, sorted by merchant_id."""

    @abstractmethod
    def listings(self) -> pd.DataFrame:
        """:data:`LISTING_COLUMNS`, sorted by listing_id."""

    @abstractmethod
    def shipments(self) -> pd.DataFrame:
        """:data:`SHIPMENT_COLUMNS`, sorted by shipment_id."""

    @abstractmethod
    def addresses(self, keys: Sequence[str] | None = None) -> pd.DataFrame:
        """One row per address key (of ``keys`` only, when given): a raw form, province,
        city, lat, lon."""

    @abstractmethod
    def holdings(self) -> pd.DataFrame:
        """:data:`HOLDING_COLUMNS`: addresses (role as given; shipment origins as
        ``origin``), sender phones, payment accounts and other identifiers."""

    def write_rings(self, rings: pd.DataFrame, members: pd.DataFrame, run_id: str) -> None:  # noqa: B027
        """Record the run's rings in the store (Neo4j writes them back; memory keeps none)."""

    def write_lineage(  # noqa: B027
        self, run_id: str, previous_run_id: str | None, changes: dict[str, Any]
    ) -> None:
        """Record how this run's rings continue the previous run's (Neo4j: (:Run) nodes and
        ring lineage; the memory store keeps none: the workspace folder holds it)."""

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the store for one run, so that two runs never interleave on it (a store
        shared between processes raises :class:`~graphring.errors.RunLockedError` when
        another run holds it). The embedded store belongs to one process: nothing to do."""
        yield

    def close(self) -> None:  # noqa: B027
        """Release connections."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


#: Holdings tables this long are grouped over several processes.
PARALLEL_HOLDING_ROWS = 2_000_000


def finish_holdings(raw: pd.DataFrame, processes: int = 1) -> pd.DataFrame:
    """Raw holding rows (one per address role, parcel origin, phone...) -> one row per
    (merchant, kind, key, role) with its parcel count, sorted.

    A long table is cut into ranges of merchant ids, grouped over ``processes`` processes,
    and the sorted ranges put end to end: the same table, sooner.
    """
    raw = raw[HOLDING_COLUMNS]
    if processes <= 1 or len(raw) < PARALLEL_HOLDING_ROWS:
        return _group_holdings(raw, (None, None))
    # range bounds from a fixed sample of the ids: about as many rows in each range
    sample = np.sort(
        raw["merchant_id"].sample(n=min(len(raw), 20_000), random_state=0).to_numpy(dtype=str)
    )
    cuts = sorted({str(sample[len(sample) * i // processes]) for i in range(1, processes)})
    ranges = list(zip([None, *cuts], [*cuts, None], strict=True))
    return pd.concat(fork_map(_group_holdings, raw, ranges, processes), ignore_index=True)


def _group_holdings(raw: pd.DataFrame, bounds: tuple[str | None, str | None]) -> pd.DataFrame:
    """The holdings of merchant ids from ``lo`` (inclusive) to ``hi`` (exclusive), grouped."""
    lo, hi = bounds
    if lo is not None or hi is not None:
        mid = raw["merchant_id"]
        keep = pd.Series(True, index=raw.index)
        if lo is not None:
            keep &= mid >= lo
        if hi is not None:
            keep &= mid < hi
        raw = raw.loc[keep]
    by = ["merchant_id", "kind", "key", "role"]
    role = raw["role"].fillna("").astype(str)
    # grouped on sorted integer codes (their order is the strings' order): sorting and
    # hashing millions of strings row by row is what made this slow
    coded = {c: factorize_sorted(role if c == "role" else raw[c]) for c in by}
    h = pd.DataFrame({c: codes for c, (codes, _) in coded.items()})
    h["shipments"] = raw["shipments"].fillna(0).astype("int64").to_numpy()
    h = h.loc[(h[by] >= 0).all(axis=1)]  # a missing id, kind or key is no holding
    h = h.groupby(by, sort=True, as_index=False)["shipments"].sum()
    for c, (_, uniques) in coded.items():
        h[c] = np.asarray(uniques, dtype=object)[h[c].to_numpy()]
    return h[HOLDING_COLUMNS]


def finish_addresses(raw: pd.DataFrame, keys: Sequence[str] | None = None) -> pd.DataFrame:
    """Every written form of every address (of ``keys`` only, when given) -> one row per
    key: its first raw form in sort order, the province and city given, the mean of the
    coordinates given."""
    if keys is not None:
        raw = raw.loc[raw["key"].isin(keys)]
    raw = raw[ADDRESS_COLUMNS].copy()
    for col in ["province", "city"]:
        raw[col] = raw[col].fillna("").astype(str)
    for col in ["lat", "lon"]:
        raw[col] = pd.to_numeric(raw[col], errors="coerce").astype("float64")
    raw = raw.sort_values(["key", "address"], kind="stable")
    return (
        raw.groupby("key", sort=True, as_index=False).agg(
            address=("address", "first"),
            province=("province", "max"),
            city=("city", "max"),
            lat=("lat", "mean"),
            lon=("lon", "mean"),
        )
    )[ADDRESS_COLUMNS]


def factorize_sorted(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values, sort=True)``, sooner for text: the values are hashed, and the
    distinct ones sorted by Arrow in C++ (UTF-8 byte order is Python's code point order),
    not by a Python comparison per step of the sort."""
    try:
        # Arrow's hash, not pandas': pandas takes "a" and "a\x00" for one value
        coded = pc.dictionary_encode(pa.array(values.to_numpy(dtype=object), type=pa.string()))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.factorize(values, sort=True)
    codes = np.asarray(pc.fill_null(coded.indices, -1), dtype=np.int64)
    order = np.asarray(pc.array_sort_indices(coded.dictionary), dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    sorted_codes = np.where(codes >= 0, rank[np.maximum(codes, 0)] if len(rank) else 0, -1)
    uniques = np.asarray(coded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    return sorted_codes, uniques[order]


def sort_frame(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """``frame`` sorted by ``by`` (stable), index reset. Text columns are ranked by
    :func:`factorize_sorted` and the rows ordered on the ranks (missing values last)."""
    if not all(frame[c].dtype == object for c in by):
        return frame.sort_values(by, kind="stable").reset_index(drop=True)
    ranks = []
    for c in reversed(by):  # np.lexsort sorts on its last key first
        codes, uniques = factorize_sorted(frame[c])
        ranks.append(np.where(codes < 0, len(uniques), codes))
    order = np.lexsort(ranks) if len(frame) else np.arange(0)
    return frame.take(order).reset_index(drop=True)
