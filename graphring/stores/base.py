"""What every store answers. The pipeline asks only these questions, so each step is
written once and runs the same on the embedded store and on Neo4j."""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graphring.contract import Dataset

# the store's tables (defined once in schema.py)
from graphring.schema import (
    ADDRESS_COLUMNS,
    HOLDING_COLUMNS,
    LISTING_COLUMNS,
    MERCHANT_COLUMNS,
    SHIPMENT_COLUMNS,
)


class Store(ABC):
    """A place the marketplace graph lives. Every answer is a DataFrame sorted by its key
    columns, so two stores holding the same data answer byte for byte the same.

    The public questions are written here, once: they put the columns in order, give
    them their types and sort the rows. A store fills the small hooks below with its rows
    as it holds them (any order, numbers and dates as they come). A store whose tables
    come already conformed (Spark's) may answer the public questions itself instead.
    """

    name: str = "store"

    @abstractmethod
    def load(self, dataset: Dataset) -> dict[str, int]:
        """Put the dataset into the store (idempotent); returns node counts by label."""

    # -- the public questions, conformed once ---------------------------------------------
    def merchants(self) -> pd.DataFrame:
        """:data:`MERCHANT_COLUMNS` plus extra attribute columns (by name), sorted by
        merchant_id; opened_on a date, monthly_orders and rating floats."""
        return conform_merchants(self._merchant_rows())

    def listings(self) -> pd.DataFrame:
        """:data:`LISTING_COLUMNS`, sorted by listing_id; prices as floats."""
        frame = sort_frame(self._listing_rows()[LISTING_COLUMNS], ["listing_id"])
        return _as_floats(frame, ["price", "reference_price"])

    def shipments(self) -> pd.DataFrame:
        """:data:`SHIPMENT_COLUMNS`, sorted by shipment_id; shipped_at a timestamp."""
        frame = sort_frame(self._shipment_rows()[SHIPMENT_COLUMNS], ["shipment_id"])
        return _as_dates(frame, "shipped_at", "ISO8601")

    def addresses(self, keys: Sequence[str] | None = None) -> pd.DataFrame:
        """One row per address key (of ``keys`` only, when given): a raw form, province,
        city, lat, lon (:func:`finish_addresses`)."""
        return finish_addresses(self._address_rows(keys), keys)

    def holdings(self) -> pd.DataFrame:
        """:data:`HOLDING_COLUMNS`: addresses (role as given; shipment origins as
        ``origin``), sender phones, payment accounts and other identifiers, one row per
        (merchant, kind, key, role) (:func:`finish_holdings`)."""
        return finish_holdings(self._holding_rows())

    def holding_codes(self) -> HeldCodes | None:
        """:meth:`holdings`' rows as codes, when the store made them so (else None: the
        text is hashed where it is needed)."""
        return None

    def forget_derived(self) -> None:
        """Let go of what the store derived from the data and kept to answer again quickly
        (the embedded store's holdings); asked again, it is derived again. A store that
        keeps nothing so has nothing to do."""
        return None

    # -- the hooks a store fills ----------------------------------------------------------
    def _merchant_rows(self) -> pd.DataFrame:
        """Every shop: :data:`MERCHANT_COLUMNS` and any extra columns."""
        raise NotImplementedError(f"{type(self).__name__} holds no shops")

    def _listing_rows(self) -> pd.DataFrame:
        """Every listing, with at least :data:`LISTING_COLUMNS`."""
        raise NotImplementedError(f"{type(self).__name__} holds no listings")

    def _shipment_rows(self) -> pd.DataFrame:
        """Every parcel, with at least :data:`SHIPMENT_COLUMNS`."""
        raise NotImplementedError(f"{type(self).__name__} holds no parcels")

    def _address_rows(self, keys: Sequence[str] | None) -> pd.DataFrame:
        """Every written form of the addresses (:data:`ADDRESS_COLUMNS`, one row per form
        seen); rows of other keys than ``keys`` may be left out or not."""
        raise NotImplementedError(f"{type(self).__name__} holds no addresses")

    def _holding_rows(self) -> pd.DataFrame:
        """Raw :data:`HOLDING_COLUMNS` rows, one per address role, parcel origin, phone..."""
        raise NotImplementedError(f"{type(self).__name__} holds no holdings")

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


@runtime_checkable
class RingWriter(Protocol):
    """A store that keeps each run's rings beside the data (Neo4j). The pipeline writes
    them back when its store has this capability; the memory store keeps none (the run
    folder and the workspace hold them)."""

    def write_rings(self, rings: pd.DataFrame, members: pd.DataFrame, run_id: str) -> None:
        """Record the run's rings: afterwards the store holds exactly this run's rings'
        memberships and scores."""

    def write_lineage(
        self, run_id: str, previous_run_id: str | None, changes: dict[str, Any]
    ) -> None:
        """Record how this run's rings continue the previous run's."""


def conform_merchants(m: pd.DataFrame) -> pd.DataFrame:
    """Shops as every store answers them: :data:`MERCHANT_COLUMNS` then the extra columns by
    name, sorted by merchant_id, with the contract's types."""
    # ``_line`` is the reader's own bookkeeping (the input line), never a shop's column
    extra = sorted(c for c in m.columns if c not in MERCHANT_COLUMNS and c != "_line")
    frame = sort_frame(m[MERCHANT_COLUMNS + extra], ["merchant_id"])
    frame = _as_dates(frame, "opened_on", "%Y-%m-%d")
    return _as_floats(frame, ["monthly_orders", "rating"])


def _as_floats(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``columns`` as float64 (text that is no number: NaN); a column already float64 is
    left as it is. ``frame`` is the store's own copy (fresh from :func:`sort_frame`)."""
    for col in columns:
        if frame[col].dtype != "float64":
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return frame


def _as_dates(frame: pd.DataFrame, column: str, form: str) -> pd.DataFrame:
    """``column`` as datetime64 (``form``; text that is no date: NaT), unless it is one."""
    if not pd.api.types.is_datetime64_any_dtype(frame[column]):
        frame[column] = pd.to_datetime(frame[column], format=form, errors="coerce")
    return frame


def finish_holdings(raw: pd.DataFrame) -> pd.DataFrame:
    """Raw holding rows (one per address role, parcel origin, phone...) -> one row per
    (merchant, kind, key, role) with its parcel count, sorted.

    Shops, kinds and roles become sorted integer codes (their order is the strings'
    order) and the rows are grouped by :func:`finish_coded_holdings`.
    """
    role = raw["role"].fillna("").astype(str)
    keys = raw["key"].to_numpy(dtype=object)
    try:
        key_text = pa.array(keys, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return _finish_holdings_coded(raw, role)
    shop, shop_names = _codes32(raw["merchant_id"])
    kind, kind_names = _codes32(raw["kind"])
    role_code, role_names = _codes32(role)
    shipments = raw["shipments"].fillna(0).to_numpy(dtype=np.int64)
    return finish_coded_holdings(
        CodedHoldings(
            shop, shop_names, kind, kind_names, key_text, keys, role_code, role_names, shipments
        )
    )


@dataclass
class CodedHoldings:
    """Raw holding rows as codes: each row's shop, kind and role as a position (-1: none)
    in sorted distinct names (the order of the codes is the names' order), its key as
    Arrow text (null: none) and as the Python string it is (``keys``), its parcels."""

    shop: np.ndarray
    shop_names: np.ndarray
    kind: np.ndarray
    kind_names: np.ndarray
    key_text: pa.Array
    keys: np.ndarray
    role: np.ndarray
    role_names: np.ndarray
    shipments: np.ndarray


def finish_coded_holdings(raw: CodedHoldings) -> pd.DataFrame:
    """:func:`finish_holdings` of rows given as codes (:func:`holdings_and_codes`)."""
    return holdings_and_codes(raw)[0]


@dataclass
class HeldCodes:
    """The rows of a holdings table as codes, row for row: each holding's shop, kind and
    role as a position in sorted names (the codes' order is the names' order), and its
    identifier (kind, key) numbered kind by kind, keys in the order first held, with
    each identifier's key. Made beside the table by a store that built it from codes
    (:func:`holdings_and_codes`), so that linking and places need not hash the text
    again; :meth:`fits` tells whether they still describe a table."""

    shop: np.ndarray
    shop_names: np.ndarray
    kind: np.ndarray
    kind_names: np.ndarray
    ident: np.ndarray
    #: each identifier's key (the table's own string)
    key_names: np.ndarray
    role: np.ndarray
    role_names: np.ndarray

    def fits(self, holdings: pd.DataFrame) -> bool:
        """Whether these are ``holdings``' codes: as many rows, and the same shop, kind and
        key on rows spread over the table (a table changed since fails this)."""
        if len(self.shop) != len(holdings):
            return False
        sample = checked_rows(len(holdings))
        return bool(
            (self.shop_names[self.shop[sample]] == holdings["merchant_id"].to_numpy()[sample]).all()
            and (self.kind_names[self.kind[sample]] == holdings["kind"].to_numpy()[sample]).all()
            and (self.key_names[self.ident[sample]] == holdings["key"].to_numpy()[sample]).all()
        )


#: Rows of a table checked against what was derived from it (evenly spread).
CHECKED_ROWS = 4096


def checked_rows(n: int) -> np.ndarray:
    """The rows (of ``n``) a check that derived data still fits a table looks at."""
    return np.arange(0, n, max(1, n // CHECKED_ROWS))


def holdings_and_codes(raw: CodedHoldings) -> tuple[pd.DataFrame, HeldCodes]:
    """:func:`finish_holdings` of rows given as codes, and the table's rows as codes
    (:class:`HeldCodes`). The keys are hashed once (:func:`key_codes`); the rows are
    ordered on (shop, kind, key, role) (:func:`holding_order`), and rows whose codes are
    all equal are one holding. Keys are only compared between rows of one shop and kind.
    Sorting millions of distinct keys, or forking workers that each copy the table, is
    what made this slow and memory-hungry.
    """
    shop, kind, role_code, key_text = raw.shop, raw.kind, raw.role, raw.key_text
    # a missing id, kind or key: no holding
    ok = (shop >= 0) & (kind >= 0) & np.asarray(key_text.is_valid(), dtype=bool)
    every = bool(ok.all())
    rows = np.flatnonzero(ok)
    key = key_codes(key_text)
    if every:
        order = holding_order(shop, kind, key_text, key, role_code)
    else:
        order = holding_order(
            shop[rows], kind[rows], key_text.take(rows), key[rows], role_code[rows]
        )
    rows = rows[order]
    del order
    m, k, r, c = shop[rows], kind[rows], role_code[rows], key[rows]
    del key
    # equal neighbours are one holding
    new = np.ones(len(rows), dtype=bool)
    if len(rows) > 1:
        new[1:] = (m[1:] != m[:-1]) | (k[1:] != k[:-1]) | (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    group = np.cumsum(new) - 1
    # parcel counts summed per group (float sums are exact far beyond any parcel count)
    totals = np.bincount(group, weights=raw.shipments[rows], minlength=int(new.sum()))
    first = np.flatnonzero(new)
    del group, new
    kinds = k[first]
    keys = raw.keys[rows[first]]
    ident, ident_row = identifiers(kinds, c[first])
    del c
    shop_names = np.asarray(raw.shop_names, dtype=object)
    kind_names = np.asarray(raw.kind_names, dtype=object)
    role_names = np.asarray(raw.role_names, dtype=object)
    out = pd.DataFrame(
        {
            "merchant_id": shop_names[m[first]],
            "kind": kind_names[kinds],
            "key": keys,
            "role": role_names[r[first]],
            "shipments": np.rint(totals).astype(np.int64),
        },
        columns=HOLDING_COLUMNS,
    )
    codes = HeldCodes(
        shop=m[first],
        shop_names=shop_names,
        kind=kinds,
        kind_names=kind_names,
        ident=ident,
        key_names=keys[ident_row],
        role=r[first],
        role_names=role_names,
    )
    return out, codes


#: Sort keys whose combinations stay under this are sorted as one integer.
ONE_INTEGER = 2.0**62


def holding_order(
    shop: np.ndarray, kind: np.ndarray, text: pa.Array, key: np.ndarray, role: np.ndarray
) -> np.ndarray:
    """The rows in the order of their (shop, kind, key text, role); rows equal in all four
    in any order. ``key``: each row's key as a code (equal codes: equal text,
    :func:`key_codes`). Keys are only compared between rows of one shop and kind, so only
    the keys of a (shop, kind) holding two or more are sorted as text; the rows are then
    ordered by one sort of integers."""
    n = len(key)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    n_kind = int(kind.max()) + 1
    n_seg = (int(shop.max()) + 1) * n_kind
    n_role = int(role.max()) + 2  # -1 (no role) first
    if n_seg > 4 * n + 1024:  # few shops' codes used: the text sorted by Arrow
        table = pa.table({"m": shop, "k": kind, "key": text, "r": role})
        keys = [(c, "ascending") for c in ("m", "k", "key", "r")]
        return np.asarray(pc.sort_indices(table, sort_keys=keys), dtype=np.int64)
    seg = shop.astype(np.int64) * n_kind + kind
    # the (shop, kind) holding two keys or more: a key other than its first row's
    first_key = np.empty(n_seg, dtype=key.dtype)
    first_key[seg[::-1]] = key[::-1]
    several = np.zeros(n_seg, dtype=bool)
    several[seg[key != first_key[seg]]] = True
    del first_key
    compared = several[seg]
    del several
    # those keys ranked by their text (UTF-8 byte order is Python's code point order);
    # a (shop, kind) of one key needs no rank
    n_key = int(key.max()) + 1
    holder = np.full(n_key, -1, dtype=np.int64)
    at = np.flatnonzero(compared)
    holder[key[at]] = at
    del at
    ranked = np.flatnonzero(holder >= 0)
    by_text = np.asarray(pc.array_sort_indices(text.take(holder[ranked])), dtype=np.int64)
    del holder
    give_back_arrow_memory()  # the keys' text taken to be sorted
    rank = np.zeros(n_key, dtype=np.int64 if n_key >= 2**31 else np.int32)
    rank[ranked[by_text]] = np.arange(len(ranked))
    row_rank = np.where(compared, rank[key], 0)
    del rank, compared
    if float(n_seg) * (len(ranked) + 1) * n_role < ONE_INTEGER:
        # one integer per row, made in place (at a million shops each copy is 90 MB)
        combined = seg
        combined *= len(ranked) + 1
        combined += row_rank
        del row_rank
        combined *= n_role
        combined += role
        combined += 1
        return np.argsort(combined)
    return np.lexsort((role, row_rank, seg))


def key_codes(text: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Each value's number among the distinct values of ``text`` (-1: missing), by one
    Arrow hash of the text ("a" and "a\\x00" are two); the distinct values themselves
    are not kept."""
    encoded = pc.dictionary_encode(text)
    if isinstance(encoded, pa.ChunkedArray):  # one dictionary per chunk: unified first
        encoded = encoded.unify_dictionaries().combine_chunks()
    codes = np.asarray(pc.fill_null(encoded.indices, -1), dtype=np.int32)
    del encoded
    give_back_arrow_memory()  # the hash table of millions of keys
    return codes


def give_back_arrow_memory() -> None:
    """Return to the system what Arrow's allocator holds freed: it keeps it otherwise, and
    a big hash table or a parsed CSV held so stays in the process's memory (about 0.9 GB
    after hashing a million shops' keys)."""
    pa.default_memory_pool().release_unused()


def identifiers(kind: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's identifier, its (``kind`` code, ``key`` code) numbered, and a row of
    each. A key held under several kinds is that many identifiers."""
    n = int(key.max()) + 1 if len(key) else 0
    first = np.full(n, -1, dtype=np.int64)
    first[key[::-1]] = np.arange(len(key) - 1, -1, -1)  # the first row of each key
    ident = np.cumsum(first >= 0, dtype=np.int64) - 1  # numbered over the keys present
    at, first = ident[key].astype(np.int32), first[first >= 0]
    other = np.flatnonzero(kind != kind[first[at]])
    if len(other):  # keys under a second kind: one more identifier per (key, kind)
        pair = key[other].astype(np.int64) * (int(kind.max()) + 1) + kind[other]
        extra, inverse = np.unique(pair, return_inverse=True)
        inverse = inverse.ravel()
        at[other] = len(first) + inverse
        taken = np.empty(len(extra), dtype=np.int64)
        taken[inverse[::-1]] = other[::-1]
        first = np.r_[first, taken]
    return at, first


def _codes32(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """:func:`factorize_sorted` with 32-bit codes."""
    codes, uniques = factorize_sorted(values)
    return codes.astype(np.int32), uniques


def _finish_holdings_coded(raw: pd.DataFrame, role: pd.Series) -> pd.DataFrame:
    """:func:`finish_holdings` for keys Arrow cannot take as text: the four columns as
    sorted codes, one integer per row, grouped and ordered by one sort of those."""
    by = ["merchant_id", "kind", "key", "role"]
    coded = [factorize_sorted(role if c == "role" else raw[c]) for c in by]
    codes = [c for c, _ in coded]
    sizes = [max(len(u), 1) for _, u in coded]
    ok = np.logical_and.reduce([c >= 0 for c in codes])  # a missing id, kind or key: none
    shipments = raw["shipments"].fillna(0).to_numpy(dtype=np.int64)[ok]
    codes = [c[ok] for c in codes]
    if float(np.prod(sizes, dtype=np.float64)) < 2.0**62:
        combined = codes[0]
        for c, n in zip(codes[1:], sizes[1:], strict=True):
            combined = combined * n + c
        _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    else:  # too many distinct values for one integer: group on the four codes
        stacked = np.column_stack(codes)
        _, first, inverse = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
    totals = np.bincount(inverse.ravel(), weights=shipments, minlength=len(first))
    out = pd.DataFrame(
        {
            c: np.asarray(u, dtype=object)[k[first]]
            for c, k, (_, u) in zip(by, codes, coded, strict=True)
        }
    )
    out["shipments"] = np.rint(totals).astype(np.int64)
    return out[HOLDING_COLUMNS]


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
    # the greatest text of a group is the text of its greatest rank (pandas takes the
    # greatest of a group's strings by a Python call per group)
    names: dict[str, np.ndarray] = {}
    for col in ["province", "city"]:
        raw[col], names[col] = factorize_sorted(raw[col])
    out = raw.groupby("key", sort=True, as_index=False).agg(
        address=("address", "first"),
        province=("province", "max"),
        city=("city", "max"),
        lat=("lat", "mean"),
        lon=("lon", "mean"),
    )
    for col in ["province", "city"]:
        out[col] = np.asarray(names[col], dtype=object)[out[col].to_numpy()]
    return out[ADDRESS_COLUMNS]


def factorize_sorted(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values, sort=True)``, sooner for text: the values are hashed, and the
    distinct ones sorted by Arrow in C++ (UTF-8 byte order is Python's code point order),
    not by a Python comparison per step of the sort."""
    objects = values.to_numpy(dtype=object)
    try:
        # Arrow's hash, not pandas': pandas takes "a" and "a\x00" for one value
        coded = pc.dictionary_encode(pa.array(objects, type=pa.string()))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.factorize(values, sort=True)
    codes = np.asarray(pc.fill_null(coded.indices, -1), dtype=np.int64)
    order = np.asarray(pc.array_sort_indices(coded.dictionary), dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    sorted_codes = np.where(codes >= 0, rank[np.maximum(codes, 0)] if len(rank) else 0, -1)
    # each distinct value as one of the input's own strings (any row holding it), not a
    # new string made from Arrow's copy: millions of keys would be held twice
    holder = np.empty(len(order), dtype=np.int64)
    present = codes >= 0
    holder[codes[present]] = np.flatnonzero(present)
    return sorted_codes, objects[holder[order]]


def sorted_runs(values: pd.Series) -> np.ndarray | None:
    """The number of each value's run (0, 0, 1, ...) when ``values`` are in ascending order
    with none missing, found by comparing neighbours (no hashing); None otherwise.

    >>> sorted_runs(pd.Series(["a", "a", "b"])).tolist(), sorted_runs(pd.Series(["b", "a"]))
    ([0, 0, 1], None)
    """
    if values.hasnans or not values.is_monotonic_increasing:
        return None
    ids = values.to_numpy(dtype=object)
    return np.cumsum(np.r_[False, ids[1:] != ids[:-1]]) if len(ids) else np.zeros(0, np.int64)


def sort_frame(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """``frame`` sorted by ``by`` (stable), index reset. Text columns are ordered by one
    stable Arrow sort (UTF-8 byte order is Python's code point order; missing values
    last), or, when a column is not all text, on the ranks :func:`factorize_sorted` gives."""
    if not all(frame[c].dtype == object for c in by):
        return frame.sort_values(by, kind="stable", ignore_index=True)
    try:
        text = pa.table({c: pa.array(frame[c].to_numpy(), type=pa.string()) for c in by})
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        ranks = []
        for c in reversed(by):  # np.lexsort sorts on its last key first
            codes, uniques = factorize_sorted(frame[c])
            ranks.append(np.where(codes < 0, len(uniques), codes))
        order = np.lexsort(ranks) if len(frame) else np.arange(0)
    else:
        keys = [(c, "ascending") for c in by]
        order = np.asarray(pc.sort_indices(text, sort_keys=keys), dtype=np.int64)
    out = frame.take(order)
    out.index = pd.RangeIndex(len(out))  # numbered afresh without copying the rows again
    return out
