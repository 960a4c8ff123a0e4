"""A real Neo4j server as the store. Every query is a parameterised file under cypher/,
loads go in UNWIND batches, and driver errors become :class:`StoreError` here, once.

A load makes the database mirror the data folder: every node and relationship it writes is
MERGEd (so loading twice changes nothing, and a load killed midway and run again ends in
the same graph); shops, parcels, listings and data relationships are tagged
``seen = <load id>``. Once every batch is in, the mirror step deletes the tagged things this
load did not write (a closed shop, a removed address), then the addresses, accounts and
identifiers nobody holds any more. Ring and Run nodes and what links them are kept. A load
stopped midway skips the mirror step, so it deletes nothing. See docs/neo4j.md.

A label or relationship type the database holds none of when a load begins is written
with ``CREATE`` instead of ``MERGE`` and without ``seen`` (the ``_fresh`` queries): every
row of it is new, and the mirror step leaves it alone, since everything of it was written
by this load. Into a database holding no data at all (a first load) every node is new, so
the ``first_*`` queries create shops and each distinct address, account and identifier
first, keep the node ids those queries return, and write the relationships, parcels and
listings between nodes found by id: no index lookup and no lock on an index entry, about a
quarter less server time. A load killed midway leaves labels non-empty, so the next load
MERGEs and tags them as usual.

Batches travel as columns (one list per field), not as a list of maps: the Bolt driver
packs that about twice as fast, and packing is most of the client's work.

Credentials come from settings (``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD``) and
never appear in messages, logs or outputs.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graphring.config import Settings
from graphring.contract import TABLES, Dataset
from graphring.errors import InputError, RunLockedError, StoreError
from graphring.queries import query, statements
from graphring.stores.base import (
    ADDRESS_COLUMNS,
    HOLDING_COLUMNS,
    LISTING_COLUMNS,
    MERCHANT_COLUMNS,
    SHIPMENT_COLUMNS,
    Store,
    finish_addresses,
    finish_holdings,
    sort_frame,
)

log = logging.getLogger(__name__)
CONNECT_TIMEOUT_S = 10.0
#: The labels a load writes and the mirror step prunes (Ring and Run are the run's own).
DATA_LABELS = ("Account", "Address", "Identifier", "Listing", "Merchant", "Shipment")
#: The relationship types a load writes and the mirror step prunes.
DATA_TYPES = ("FROM", "HAS_ADDRESS", "HAS_IDENTIFIER", "LISTS", "PAYS_INTO", "SENDER_PHONE", "SENT")
#: The labels whose nodes the mirror step prunes (the others go when nobody holds them).
PRUNED_LABELS = ("Listing", "Merchant", "Shipment")
#: The tables a load reports on, in the order it loads them.
TABLE_ORDER = ("merchants", "addresses", "payment_accounts", "identifiers", "shipments", "listings")
#: Sessions a load runs side by side: the server runs each transaction on one core.
LOAD_SESSIONS = 2
#: A load may remove at most this share of the shops a database holds unless told to.
MAX_REMOVED_SHARE = 0.5
#: The id of the node that keeps two graphring runs on one database apart.
LOCK_ID = "database"
#: Seconds a run waits for another run's hold on the database before it gives up (exit 75).
LOCK_WAIT_S = 2.0
#: Node property every load sets to its load id; a file's extra column cannot use it.
SEEN = "seen"
#: Per load query: the labels and relationship types it writes without ``seen`` in its
#: ``_fresh`` variant, which a load uses when the database holds none of them.
FRESH_WHEN_ABSENT = {
    "load_merchants": ("Merchant",),
    "load_addresses": ("HAS_ADDRESS",),
    "load_accounts": ("PAYS_INTO",),
    "load_identifiers": ("HAS_IDENTIFIER",),
    "load_shipments": ("Shipment", "SENT", "FROM", "SENDER_PHONE"),
    "load_listings": ("Listing", "LISTS"),
}


def safe_uri(uri: str) -> str:
    """The URI as shown in messages: any ``user:password@`` part is dropped.

    >>> safe_uri("neo4j://ann:secret@db.example:7687")
    'neo4j://db.example:7687'
    """
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "<unparseable URI>"
    if parts.username is None and parts.password is None:
        return uri
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _column(values: pd.Series) -> list[Any]:
    """One column as a Bolt-ready list: NaN/NaT/NA as null, numpy scalars as Python ones."""
    return values.astype(object).where(values.notna(), None).tolist()


_Extra = list[dict[str, Any]] | None


def _extras(frame: pd.DataFrame, named: list[str]) -> _Extra:
    """The columns a file has beyond the contract, as one map per row (None if there are none)."""
    other = [c for c in frame.columns if c not in named and c != "_line"]
    if not other:
        return None
    return [
        {k: v for k, v in row.items() if v is not None}
        for row in frame[other].astype(object).where(frame[other].notna(), None).to_dict("records")
    ]


@dataclass
class _Step:
    """One table's load (or one kind of identifiers): a query file and its columnar
    parameters. ``shares`` names the shared nodes its query MERGEs (``Address``,
    ``Identifier:phone``, ...): steps that share one run one after the other, in plan
    order; the others may run side by side (see :meth:`Neo4jStore.load`)."""

    query: str
    table: str
    columns: dict[str, list[Any]]
    shares: frozenset[str] = frozenset()
    #: Tables whose steps must all be done before this one starts (shops, for the rest).
    after: frozenset[str] = frozenset()
    #: Columns sent as node ids, looked up as each batch goes: column -> (ids, positions
    #: into them, -1 for null). The ids are filled by the earlier step that created them.
    refs: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    #: Where the ids of the nodes this step creates go (its query returns them), row by row
    #: from position ``first``.
    ids: np.ndarray | None = None
    first: int = 0
    #: False for the shared nodes a first load creates up front: not rows of a table.
    input_rows: bool = True

    @property
    def rows(self) -> int:
        return len(next(iter(self.columns.values())))

    def split(self, parts: int) -> list[_Step]:
        """This step in ``parts`` steps of consecutive rows that may run at once."""
        if parts <= 1 or self.rows < 2:
            return [self]
        bounds = [self.rows * n // parts for n in range(parts + 1)]
        return [
            _Step(
                self.query,
                self.table,
                {k: (v[lo:hi] if v is not None else None) for k, v in self.columns.items()},
                frozenset({f"{self.table}:{n}"}),
                self.after,
                {k: (ids, pos[lo:hi]) for k, (ids, pos) in self.refs.items()},
                self.ids,
                self.first + lo,
                self.input_rows,
            )
            for n, (lo, hi) in enumerate(itertools.pairwise(bounds))
        ]

    def batches(self, size: int) -> Iterator[tuple[int, dict[str, list[Any]]]]:
        """(first row, columns) per batch; node-id columns are looked up here, once the
        step that created those nodes is done."""
        for start in range(0, self.rows, size):
            batch = {
                k: (v[start : start + size] if v is not None else None)
                for k, v in self.columns.items()
            }
            for name, (ids, positions) in self.refs.items():
                pos = positions[start : start + size]
                found = np.full(len(pos), None, dtype=object)
                hit = pos >= 0  # -1: null (no such node; the ids may even be empty)
                found[hit] = ids[pos[hit]]
                batch[name] = found.tolist()
            yield start, batch

    def keep_ids(self, start: int, returned: pd.DataFrame) -> None:
        """Store the node ids a batch from row ``start`` returned (columns ``i`` and ``id``)."""
        if self.ids is None or returned.empty:
            return
        rows = np.asarray(returned["i"].iloc[0], dtype=np.int64)
        self.ids[self.first + start + rows] = np.asarray(returned["id"].iloc[0], dtype=object)


def _columns(frame: pd.DataFrame, names: list[str]) -> dict[str, list[Any]]:
    return {name: _column(frame[name]) for name in names}


def _check_extras(dataset: Dataset) -> None:
    for table in ("merchants", "shipments", "listings"):
        if SEEN in dataset[table].columns:
            src = dataset.sources.get(table)
            raise InputError(
                f"the column name {SEEN!r} is reserved in Neo4j (every load marks what it "
                "wrote with it): rename the column",
                file=src.path.name if src else f"{table}.csv",
                column=SEEN,
            )


#: Per label with extra columns: the table, the contract columns stored as properties.
_NODE_TABLES = {
    "Merchant": ("merchants", MERCHANT_COLUMNS),
    "Shipment": ("shipments", ["shipment_id", "origin", "destination", "carrier", "shipped_at"]),
    "Listing": (
        "listings",
        ["listing_id", "brand", "title", "price", "reference_price", "image_text"],
    ),
}


def known_properties(dataset: Dataset) -> dict[str, list[str]]:
    """The properties each Merchant, Shipment and Listing node may have after this load."""
    out = {}
    for label, (table, stored) in _NODE_TABLES.items():
        named = {c.name for c in TABLES[table].columns} | {
            "_line",
            "origin_key",
            "sender_phone_key",
        }
        extra = [c for c in dataset[table].columns if c not in named]
        out[label] = sorted({*stored, *extra, SEEN})
    return out


def _codes(*columns: np.ndarray) -> np.ndarray:
    """One code per row for its tuple of codes (each column's codes 0 or more), numbered
    in the tuples' sorted order; renumbered after each column, so never overflowing."""
    out = np.zeros(len(columns[0]), dtype=np.int64)
    for codes in columns:
        out = out * (int(codes.max()) + 1 if len(codes) else 1) + codes
        out = pd.factorize(out, sort=True)[0].astype(np.int64)
    return out


def _distinct(frame: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Each row's position among the distinct rows of ``frame``, and those rows, in sorted
    order. Columns are coded one by one: a MultiIndex of strings is slow."""
    positions = _codes(*(pd.factorize(frame[c], sort=True)[0] for c in frame.columns))
    _, first = np.unique(positions, return_index=True)
    return positions, frame.iloc[first]


def _named(table: str) -> list[str]:
    return [c.name for c in TABLES[table].columns]


def _by_shop(dataset: Dataset, table: str, unique: list[str]) -> pd.DataFrame:
    """A table's rows, once each, sorted by shop (their pages are then read in order)."""
    frame = dataset[table].drop_duplicates(unique)
    return frame.sort_values("merchant_id", kind="stable")


def _shops(dataset: Dataset) -> tuple[pd.DataFrame, dict[str, list[Any]], _Extra]:
    """Shops sorted by id: the frame, the columns sent, the extra columns' maps."""
    m = dataset["merchants"].sort_values("merchant_id", kind="stable")
    columns = _columns(m, MERCHANT_COLUMNS[:5] + ["monthly_orders", "rating"])
    columns["opened_on"] = _column(m["opened_on"].dt.strftime("%Y-%m-%d"))
    return m, columns, _extras(m, _named("merchants"))


def _with_extra(columns: dict[str, list[Any]], extra: _Extra) -> dict[str, list[Any]]:
    """``columns`` and ``extra``: one map per row of the extra columns, or None (the
    queries then read null)."""
    return {**columns, "extra": extra}  # type: ignore[dict-item]


def _parcel_columns(frame: pd.DataFrame) -> dict[str, list[Any]]:
    """The columns sent of parcels (both load paths)."""
    columns = _columns(frame, ["shipment_id", "origin", "destination", "carrier"])
    columns["shipped_at"] = _column(frame["shipped_at"].dt.strftime("%Y-%m-%dT%H:%M:%S"))
    return columns


def _parcel_extras(frame: pd.DataFrame) -> _Extra:
    return _extras(frame, _named("shipments") + ["origin_key", "sender_phone_key"])


#: The columns stored on HAS_ADDRESS and on PAYS_INTO.
ADDRESS_EDGE = ["role", "address", "province", "city", "lat", "lon"]
ACCOUNT_EDGE = ["account", "provider", "holder"]


def plan_steps(
    dataset: Dataset,
    replace: set[str] | frozenset[str] = frozenset(),
    absent: set[str] | frozenset[str] = frozenset(),
    parts: int = 1,
) -> Iterator[_Step]:
    """The batches a load sends, table by table, one step at a time (a load sends the
    first steps while the next ones are still being made): shops first (the rest MATCH
    them), and parcels early as they MERGE addresses and phones -- the order of preference
    when steps run side by side.

    Into a database holding no data at all (every label and relationship type
    ``absent``), the plan is :func:`_first_load_steps`. Otherwise a table with extra
    columns, or whose label is in ``replace`` (the database holds properties of a column
    since dropped), uses the ``_replace`` query that rewrites every property; a table whose
    labels and relationship types are all in ``absent`` (the database holds none of them)
    uses the ``_fresh`` query that CREATEs them. Shops and listings, which MERGE no shared
    node, come in ``parts`` parts (listings in twice as many) that may load at once.
    """
    _check_extras(dataset)
    if {*DATA_LABELS, *DATA_TYPES} <= set(absent):
        yield from _first_load_steps(dataset, parts)
        return

    def variant(name: str, label: str, extra: _Extra) -> str:
        if extra is None and set(FRESH_WHEN_ABSENT[name]) <= absent:
            return f"{name}_fresh"
        return f"{name}_replace" if extra is not None or label in replace else name

    def with_extra(step: _Step, extra: _Extra) -> _Step:
        if step.query.endswith("_replace"):
            step.columns = _with_extra(step.columns, extra)
        return step

    after = frozenset({"merchants"})
    _, merchants, m_extra = _shops(dataset)
    m_step = _Step(variant("load_merchants", "Merchant", m_extra), "merchants", merchants)
    yield from with_extra(m_step, m_extra).split(parts)

    a = _by_shop(dataset, "addresses", ["merchant_id", "key", "role", "address"])
    yield _Step(
        variant("load_addresses", "Address", None),
        "addresses",
        _columns(a, ["merchant_id", "key", *ADDRESS_EDGE]),
        frozenset({"Address"}),
        after,
    )

    i = _by_shop(dataset, "identifiers", ["merchant_id", "kind", "key"])
    kinds = sorted(i["kind"].unique(), key=lambda kind: (kind != "phone", kind))

    def by_kind(kind: str) -> _Step:
        # identifiers go one kind at a time: kinds share no node, so two can load at once
        return _Step(
            variant("load_identifiers", "Identifier", None),
            "identifiers",
            _columns(i.loc[i["kind"] == kind], ["merchant_id", "kind", "key", "value"]),
            frozenset({f"Identifier:{kind}"}),
            after,
        )

    yield from (by_kind(kind) for kind in kinds[:1])

    p = _by_shop(dataset, "payment_accounts", ["merchant_id", "key"])
    yield _Step(
        variant("load_accounts", "Account", None),
        "payment_accounts",
        _columns(p, ["merchant_id", "key", *ACCOUNT_EDGE]),
        frozenset({"Account"}),
        after,
    )

    s = _by_shop(dataset, "shipments", ["shipment_id"])
    shipments, s_extra = _parcel_columns(s), _parcel_extras(s)
    shipments |= _columns(s, ["merchant_id", "origin_key"])
    shipments["phone_key"] = _column(s["sender_phone_key"].where(s["sender_phone_key"] != ""))
    s_step = _Step(
        variant("load_shipments", "Shipment", s_extra),
        "shipments",
        shipments,
        frozenset({"Shipment", "Address", "Identifier:phone"}),
        after,
    )
    yield with_extra(s_step, s_extra)

    yield from (by_kind(kind) for kind in kinds[1:])

    lst = _by_shop(dataset, "listings", ["listing_id"])
    l_extra = _extras(lst, _named("listings"))
    listings = _columns(lst, LISTING_COLUMNS)
    l_step = _Step(
        variant("load_listings", "Listing", l_extra), "listings", listings, frozenset(), after
    )
    yield from with_extra(l_step, l_extra).split(2 * parts if parts > 1 else 1)


def _first_load_steps(dataset: Dataset, parts: int) -> Iterator[_Step]:
    """A first load into a database holding no data (the ``first_*`` queries): shops and
    every distinct address, account and identifier are CREATEd first, their queries
    returning the node ids; the relationships, parcels and listings after them find their
    nodes by those ids, with no index lookup and no lock on an index entry. No step MERGEs
    anything, so every step (in ``parts`` parts) may run beside any other once the nodes
    it needs exist. Nothing is marked ``seen``: the mirror step leaves every label alone.

    Rows are matched to shops and nodes by integer codes (hashing each string column
    once); shared nodes are created in key order, which keeps their index inserts close
    together (at 1M shops: 122 s of identifier creation became 70 s).
    """
    m, merchants, m_extra = _shops(dataset)
    merchants = _with_extra(merchants, m_extra)
    shop_ids = np.empty(len(m), dtype=object)
    yield from _Step("first_merchants", "merchants", merchants, ids=shop_ids).split(parts)
    shops = pa.array(m["merchant_id"], type=pa.string())

    def shop_of(table: str) -> np.ndarray:
        found = pc.index_in(pa.array(dataset[table]["merchant_id"], type=pa.string()), shops)
        return pc.fill_null(found, -1).to_numpy().astype(np.int64)

    def created(label: str, columns: dict[str, list[Any]]) -> tuple[np.ndarray, list[_Step]]:
        """The steps creating one label's shared nodes, and where their ids will be."""
        ids = np.empty(len(next(iter(columns.values()))), dtype=object)
        query = f"first_{label.lower()}_nodes"
        step = _Step(query, f"{label} nodes", columns, ids=ids, input_rows=False)
        return ids, step.split(parts)

    a, p, i, s = (dataset[t] for t in ["addresses", "payment_accounts", "identifiers", "shipments"])
    a_shop, p_shop, i_shop, s_shop = (
        shop_of(t) for t in ["addresses", "payment_accounts", "identifiers", "shipments"]
    )
    # the distinct shared nodes, and for every row the position of its node among them
    origins = s[["origin_key"]].rename(columns={"origin_key": "key"})
    a_pos, a_nodes = _distinct(pd.concat([a[["key"]], origins], ignore_index=True))
    p_pos, p_nodes = _distinct(p[["key"]])
    phone = (s["sender_phone_key"] != "").to_numpy()
    phones = pd.DataFrame({"kind": "phone", "key": s["sender_phone_key"].to_numpy()[phone]})
    x_pos, x_nodes = _distinct(pd.concat([i[["kind", "key"]], phones], ignore_index=True))
    s_phone = np.full(len(s), -1, dtype=np.int64)
    s_phone[phone] = x_pos[len(i) :]
    a_pos, s_origin, x_pos = a_pos[: len(a)], a_pos[len(a) :], x_pos[: len(i)]

    a_ids, address_nodes = created("Address", _columns(a_nodes, ["key"]))
    x_ids, identifier_nodes = created("Identifier", _columns(x_nodes, ["kind", "key"]))
    p_ids, account_nodes = created("Account", _columns(p_nodes, ["key"]))
    yield from [*address_nodes, *identifier_nodes, *account_nodes]

    def needs(*labels: str) -> frozenset[str]:
        return frozenset({"merchants", *(f"{label} nodes" for label in labels)})

    def step(
        query: str,
        table: str,
        shop: np.ndarray,
        once: np.ndarray,
        columns: Callable[[pd.DataFrame], dict[str, list[Any]]],
        after: frozenset[str],
        refs: dict[str, tuple[np.ndarray, np.ndarray]],
    ) -> list[_Step]:
        """A table's step: the first row of each ``once`` code, in shop order, with the
        ``columns`` made of those rows and node ids ``refs`` (positions per table row)."""
        first = np.flatnonzero(~pd.Series(once).duplicated().to_numpy())
        rows = first[np.argsort(shop[first], kind="stable")]
        refs = {"m": (shop_ids, shop), **refs}
        made = _Step(
            query,
            table,
            columns(dataset[table].iloc[rows]),
            after=after,
            refs={name: (ids, pos[rows]) for name, (ids, pos) in refs.items()},
        )
        return made.split(parts)

    def code(table: str, column: str) -> np.ndarray:
        return pd.factorize(dataset[table][column])[0].astype(np.int64)

    def listings(frame: pd.DataFrame) -> dict[str, list[Any]]:
        columns = _columns(frame, [c for c in LISTING_COLUMNS if c != "merchant_id"])
        return _with_extra(columns, _extras(frame, _named("listings")))

    yield from step(
        "first_listings",
        "listings",
        shop_of("listings"),
        code("listings", "listing_id"),
        listings,
        needs(),
        {},
    )
    yield from step(
        "first_addresses",
        "addresses",
        a_shop,
        _codes(a_shop + 1, a_pos, code("addresses", "role"), code("addresses", "address")),
        lambda frame: _columns(frame, ADDRESS_EDGE),
        needs("Address"),
        {"a": (a_ids, a_pos)},
    )
    yield from step(
        "first_identifiers",
        "identifiers",
        i_shop,
        _codes(i_shop + 1, x_pos),
        lambda frame: _columns(frame, ["value"]),
        needs("Identifier"),
        {"x": (x_ids, x_pos)},
    )
    yield from step(
        "first_accounts",
        "payment_accounts",
        p_shop,
        _codes(p_shop + 1, p_pos),
        lambda frame: _columns(frame, ACCOUNT_EDGE),
        needs("Account"),
        {"a": (p_ids, p_pos)},
    )
    yield from step(
        "first_shipments",
        "shipments",
        s_shop,
        code("shipments", "shipment_id"),
        lambda frame: _with_extra(_parcel_columns(frame), _parcel_extras(frame)),
        needs("Address", "Identifier"),
        {"a": (a_ids, s_origin), "p": (x_ids, s_phone)},
    )


@dataclass
class LoadReport:
    """What the last load did: rows and seconds per table, what the mirror step deleted."""

    load_id: str
    rows: dict[str, int]
    seconds: dict[str, float]
    pruned_nodes: int = 0
    pruned_relationships: int = 0
    complete: bool = True
    #: Labels and relationship types the database held none of when the load began: written
    #: with CREATE (the ``_fresh`` or ``first_`` queries) and left alone by the mirror step.
    absent: list[str] = field(default_factory=list)
    #: Shared nodes a first load creates before their relationships (``"Address nodes"``:
    #: count); their seconds are in :attr:`seconds` under the same names.
    created: dict[str, int] = field(default_factory=dict)


class Neo4jStore(Store):
    """The marketplace graph in Neo4j. Build with :meth:`connect`, or hand in a driver."""

    name = "neo4j"

    def __init__(
        self,
        driver: Any,
        database: str = "neo4j",
        batch_size: int = Settings.batch_size,
        owns_driver: bool = False,
        sessions: int = LOAD_SESSIONS,
        replace: bool = False,
    ) -> None:
        self.driver = driver
        #: Let a load remove more than :data:`MAX_REMOVED_SHARE` of the shops held.
        self.replace = replace
        self.database = database
        self.batch_size = batch_size
        #: How many sessions a load runs side by side (1: one step after the other).
        self.sessions = sessions
        self._owns = owns_driver
        self.last_load: LoadReport | None = None

    @classmethod
    def connect(cls, settings: Settings) -> Neo4jStore:
        """Open a driver and check it reaches the server within about 10 s."""
        import neo4j

        uri = safe_uri(settings.neo4j_uri)
        driver = None
        try:
            driver = neo4j.GraphDatabase.driver(
                settings.neo4j_uri,
                auth=(settings.neo4j_user, settings.neo4j_password),
                connection_timeout=CONNECT_TIMEOUT_S,
                max_transaction_retry_time=5.0,
                connection_acquisition_timeout=CONNECT_TIMEOUT_S,
                # queries name labels and types an empty database has not seen yet (the
                # first load's count queries): not worth a warning each
                notifications_disabled_classifications=["UNRECOGNIZED"],
            )
            driver.verify_connectivity()
            store = cls(
                driver,
                settings.neo4j_database,
                settings.batch_size,
                owns_driver=True,
                replace=settings.replace_data,
            )
            store.ensure_schema()
            return store
        except neo4j.exceptions.AuthError as e:
            if driver is not None:
                driver.close()
            raise StoreError(
                f"Neo4j at {uri} refused the credentials of user "
                f"{settings.neo4j_user!r} (check NEO4J_USER / NEO4J_PASSWORD)"
            ) from e
        except (
            neo4j.exceptions.DriverError,
            neo4j.exceptions.Neo4jError,
            OSError,
            ValueError,
        ) as e:
            if driver is not None:
                driver.close()
            raise StoreError(f"cannot reach Neo4j at {uri}: {type(e).__name__}") from e
        except BaseException:
            if driver is not None:
                driver.close()
            raise

    # -- running queries ------------------------------------------------------------------
    def run(self, name_or_text: str, **params: Any) -> pd.DataFrame:
        """Run ``cypher/<name>.cypher`` (or a statement) and return the records as a frame.

        Every value goes in as a parameter; nothing is ever pasted into query text.
        """
        import neo4j

        text = query(name_or_text) if " " not in name_or_text else name_or_text
        try:
            records, _, keys = self.driver.execute_query(
                text, parameters_=params, database_=self.database
            )
        except neo4j.exceptions.Neo4jError as e:
            raise StoreError(
                f"Neo4j query {name_or_text.split()[0]!r} failed: {e.code}: {e.message}"
            ) from e
        except (neo4j.exceptions.DriverError, OSError) as e:
            raise StoreError(f"lost the connection to Neo4j: {type(e).__name__}") from e
        return pd.DataFrame([r.values() for r in records], columns=keys)

    def run_autocommit(self, name: str, **params: Any) -> pd.DataFrame:
        """Run ``cypher/<name>.cypher`` in an implicit transaction (what ``CALL { ... } IN
        TRANSACTIONS`` needs: the query commits in batches of its own)."""
        import neo4j

        try:
            with self.driver.session(database=self.database) as session:
                result = session.run(query(name), params)
                keys = result.keys()
                rows = [r.values() for r in result]
        except neo4j.exceptions.Neo4jError as e:
            raise StoreError(f"Neo4j query {name!r} failed: {e.code}: {e.message}") from e
        except (neo4j.exceptions.DriverError, OSError) as e:
            raise StoreError(f"lost the connection to Neo4j: {type(e).__name__}") from e
        return pd.DataFrame(rows, columns=keys)

    def ensure_schema(self) -> None:
        for stmt in statements("schema"):
            self.run(stmt)

    # -- loading ---------------------------------------------------------------------------
    def load(self, dataset: Dataset, *, max_batches: int | None = None) -> dict[str, int]:
        """Mirror ``dataset`` into the database; returns data node counts by label.

        Shops go first; then :attr:`sessions` sessions load the other steps side by side,
        each step one transaction per batch, never two steps that MERGE the same shared
        nodes at once (addresses, then the parcels that MERGE their origins). The next
        steps' columns are made while the first ones are sent. Into a database holding no
        data, the steps are those of :func:`_first_load_steps` (nodes first, then
        everything else by node id).
        ``max_batches`` stops after that many batches and skips the mirror step, as a load
        killed midway would (tests use it to check that loading again repairs the graph).

        A load that would remove more than half of the shops the database holds raises
        :class:`InputError` before anything is sent, unless the store was made with
        ``replace=True`` (``--replace``).
        """
        from tqdm import tqdm

        if not self.replace:
            self.check_removal(dataset)
        absent = self.absent()
        stale = set(self.run("stale_properties", known=known_properties(dataset))["label"])
        _check_extras(dataset)  # before anything is sent
        plan = plan_steps(dataset, replace=stale, absent=absent, parts=self.sessions)
        load_id = uuid.uuid4().hex
        report = LoadReport(load_id=load_id, rows={}, seconds={}, absent=sorted(absent))
        for table in TABLE_ORDER:
            report.rows[table], report.seconds[table] = 0, 0.0
        self.last_load = report
        with tqdm(
            total=sum(len(dataset[table]) for table in TABLE_ORDER),
            desc="loading Neo4j",
            unit="rows",
            disable=None,
            leave=False,
        ) as bar:
            _Run(self, load_id, report, bar, max_batches).steps(plan, self.sessions)
        if report.complete:
            self._mirror(report)
        return self.data_counts()

    def check_removal(self, dataset: Dataset) -> None:
        """Refuse (:class:`InputError`) a load whose mirror step would delete more than
        :data:`MAX_REMOVED_SHARE` of the shops the database holds."""
        ids = dataset["merchants"]["merchant_id"].tolist()
        found = self.run("count_kept_shops", ids=ids).iloc[0]
        total, removed = int(found["total"]), int(found["total"]) - int(found["kept"])
        if total and removed > MAX_REMOVED_SHARE * total:
            raise InputError(
                f"this load would remove {removed:,} of the {total:,} shops in the Neo4j "
                "database (a load mirrors its data folder: shops not in it go); nothing was "
                "loaded. Load the whole marketplace, or pass --replace (setting replace_data) "
                "to make the database mirror this folder"
            )

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the database for one run: a second graphring run on it (detect, load, run)
        gets :class:`RunLockedError` (exit 75) within :data:`LOCK_WAIT_S` seconds.

        The hold is an open, uncommitted transaction holding the write lock of one guard
        node (cypher/take_lock.cypher): the server frees it when the transaction ends, and
        when a killed run's connection drops.
        """
        import neo4j

        holder = f"pid {os.getpid()} on {socket.gethostname()}"
        params = {"id": LOCK_ID, "holder": holder}
        self.run("lock_node", id=LOCK_ID)
        # a short transaction first: it gives up on the lock after LOCK_WAIT_S, where the
        # long one below (no timeout: it lasts the run) would wait. Should a run slip in
        # between the two, the long one waits for it: the runs go one after the other.
        stmt = query("take_lock")
        session = self.driver.session(database=self.database)
        try:
            with session.begin_transaction(timeout=LOCK_WAIT_S) as probe:
                probe.run(stmt, params).consume()
                probe.rollback()
            hold = session.begin_transaction()
            hold.run(stmt, params).consume()
        except neo4j.exceptions.Neo4jError as e:
            session.close()
            # the short transaction gave up waiting for the lock (the code varies by version)
            if any(w in (e.code or "") for w in ("TimedOut", "LockClientStopped", "Terminated")):
                raise RunLockedError(
                    f"another graphring run is using the Neo4j database {self.database!r}; "
                    "this run did nothing: try again when it has finished"
                ) from e
            raise StoreError(f"cannot hold the Neo4j database: {e.code}: {e.message}") from e
        except (neo4j.exceptions.DriverError, OSError) as e:
            session.close()
            raise StoreError(f"lost the connection to Neo4j: {type(e).__name__}") from e
        try:
            yield
        finally:
            with contextlib.suppress(neo4j.exceptions.DriverError, neo4j.exceptions.Neo4jError):
                hold.rollback()
            session.close()

    def absent(self) -> set[str]:
        """The data labels and relationship types the database holds none of."""
        counts = {**self.data_counts(), **self.run("count_data_relationships").iloc[0]}
        return {name for name, n in counts.items() if int(n) == 0}

    def _mirror(self, report: LoadReport) -> None:
        """Delete what the previous loads wrote and this one did not, in batches.

        Labels and types the database held none of when the load began are left alone:
        everything of them was written by this load."""
        t0 = time.perf_counter()
        size = {"batch_size": self.batch_size, "load_id": report.load_id}
        labels = [label for label in PRUNED_LABELS if label not in report.absent]
        types = [t for t in DATA_TYPES if t not in report.absent]
        if labels:
            nodes = self.run_autocommit("prune_nodes", labels=labels, **size)
            report.pruned_nodes = int(nodes["deleted"].sum())
        if types:
            rels = self.run_autocommit("prune_relationships", types=types, **size)
            report.pruned_relationships = int(rels["deleted"].sum())
        orphans = self.run_autocommit("prune_orphans", batch_size=self.batch_size)
        report.pruned_nodes += int(orphans["deleted"].sum())
        report.seconds["mirror"] = round(time.perf_counter() - t0, 3)
        if report.pruned_nodes or report.pruned_relationships:
            log.info(
                "mirror: deleted %d nodes and %d relationships no longer in the data",
                report.pruned_nodes,
                report.pruned_relationships,
            )

    def data_counts(self) -> dict[str, int]:
        """Data nodes by label (every label of :data:`DATA_LABELS`, 0 when absent)."""
        counts = self.run("count_data_nodes").iloc[0]
        return {label: int(counts[label]) for label in DATA_LABELS}

    # -- Store questions -------------------------------------------------------------------
    def _read(self, name: str, columns: list[str]) -> pd.DataFrame:
        """A read query answering one record of ``rows`` (lists) -> a frame of ``columns``."""
        rows = self.run(name)["rows"].iloc[0]
        return pd.DataFrame(rows, columns=columns)

    def merchants(self) -> pd.DataFrame:
        rows = self.run("read_merchants", named=[*MERCHANT_COLUMNS, SEEN])["rows"].iloc[0]
        m = pd.DataFrame([r[:-1] for r in rows], columns=MERCHANT_COLUMNS)
        extras = [dict(r[-1]) for r in rows]
        if any(extras):
            m = pd.concat([m, pd.DataFrame(extras, index=m.index)], axis=1)
        m["opened_on"] = pd.to_datetime(m["opened_on"], format="%Y-%m-%d", errors="coerce")
        for col in ["monthly_orders", "rating"]:
            m[col] = pd.to_numeric(m[col], errors="coerce").astype("float64")
        extra = sorted(c for c in m.columns if c not in MERCHANT_COLUMNS)
        return sort_frame(m[MERCHANT_COLUMNS + extra], ["merchant_id"])

    def listings(self) -> pd.DataFrame:
        lst = self._read("read_listings", LISTING_COLUMNS)
        for col in ["price", "reference_price"]:
            lst[col] = pd.to_numeric(lst[col], errors="coerce").astype("float64")
        return sort_frame(lst, ["listing_id"])

    def shipments(self) -> pd.DataFrame:
        s = self._read("read_shipments", [*SHIPMENT_COLUMNS, "origin"])
        s["shipped_at"] = pd.to_datetime(s["shipped_at"], format="ISO8601", errors="coerce")
        return sort_frame(s[SHIPMENT_COLUMNS], ["shipment_id"])

    def addresses(self, keys: Sequence[str] | None = None) -> pd.DataFrame:
        return finish_addresses(self._read("read_address_rows", ADDRESS_COLUMNS), keys)

    def holdings(self) -> pd.DataFrame:
        """Holdings come as one record of columns (no field can be null there)."""
        record = self.run("read_holdings").iloc[0]
        return finish_holdings(pd.DataFrame({c: record[c] for c in HOLDING_COLUMNS}))

    def write_rings(self, rings: pd.DataFrame, members: pd.DataFrame, run_id: str) -> None:
        r = rings[["ring_id", "ring_score", "size", "reasons"]].rename(
            columns={"ring_score": "score"}
        )
        m = members[["ring_id", "merchant_id", "core"]]
        self.run("write_rings", run_id=run_id, rings=_records(r), members=_records(m))

    def write_lineage(
        self, run_id: str, previous_run_id: str | None, changes: dict[str, Any]
    ) -> None:
        """(:Run)-[:NEXT]->(:Run), and (:Ring)-[:MERGED_INTO|SPLIT_FROM]->(:Ring)."""
        self.run(
            "write_lineage",
            run_id=run_id,
            previous_run_id=previous_run_id,
            merged=[
                {"ring_id": m["ring_id"], "from": m["from"]} for m in changes.get("merged", [])
            ],
            split=[{"ring_id": x["ring_id"], "from": x["from"]} for x in changes.get("split", [])],
            dissolved=[d["ring_id"] for d in changes.get("dissolved", [])],
        )

    def wipe(self) -> None:
        """Delete every node of the database, in batches (tests use it; so can you)."""
        self.run_autocommit("wipe", batch_size=self.batch_size)

    def close(self) -> None:
        if self._owns:
            self.driver.close()


class _Run:
    """Sends a load's steps, batch by batch, over one or more sessions (threads).

    A worker takes the first step of the plan that is ready: no step running or waiting
    before it shares a shared node with it. An error in one worker stops the others after
    their current batch and is raised again here; so is an interrupt of the waiting thread.
    """

    def __init__(
        self,
        store: Neo4jStore,
        load_id: str,
        report: LoadReport,
        bar: Any,
        max_batches: int | None,
    ) -> None:
        self.store = store
        self.load_id = load_id
        self.report = report
        self.bar = bar
        self.max_batches = max_batches
        self.sent = 0
        self.lock = threading.Condition()
        self.errors: list[BaseException] = []

    def steps(self, plan: Iterable[_Step], sessions: int) -> None:
        """Send the steps of ``plan`` (made one by one in a thread of its own, while the
        first ones are sent) over ``sessions`` sessions."""
        self.pending: list[_Step] = []
        self.running: list[_Step] = []
        self.making = True
        self.sessions = max(1, sessions)
        maker = threading.Thread(target=self._make, args=(iter(plan),), name="load-plan")
        workers = [
            threading.Thread(target=self._work, name=f"load-{n}")
            for n in range(1, max(1, sessions))
        ]
        maker.start()
        for worker in workers:
            worker.start()
        try:
            self._work()
        except BaseException as e:  # an interrupt: the others stop after their batch
            with self.lock:
                self.errors.append(e)
                self.lock.notify_all()
            raise
        finally:
            for thread in [maker, *workers]:
                thread.join()
        if self.errors:
            raise self.errors[0]

    def _make(self, plan: Iterator[_Step]) -> None:
        """Make the steps in plan order, a few ahead of the sessions: a step's columns
        (Python lists) are the client's biggest memory, and go once the step is sent."""
        try:
            for step in plan:
                with self.lock:
                    while len(self.pending) > self.sessions and not self._stopped():
                        self.lock.wait()
                    if self._stopped():
                        return
                    self.pending.append(step)
                    self.lock.notify_all()
        except BaseException as e:
            with self.lock:
                self.errors.append(e)
                self.report.complete = False
        finally:
            with self.lock:
                self.making = False
                self.lock.notify_all()

    def _ready(self, n: int) -> bool:
        """No step running or waiting before it MERGEs the same shared nodes or is of a
        table it comes after (steps are made in plan order, so none is missing here)."""
        step = self.pending[n]
        return not any(
            step.shares & other.shares or other.table in step.after
            for other in [*self.running, *self.pending[:n]]
        )

    def _stopped(self) -> bool:
        return bool(self.errors) or not self.report.complete

    def _take(self) -> _Step | None:
        with self.lock:
            while (self.pending or self.making) and not self._stopped():
                for n in range(len(self.pending)):
                    if self._ready(n):
                        step = self.pending.pop(n)
                        self.running.append(step)
                        self.lock.notify_all()  # the maker may make one more
                        return step
                self.lock.wait()
            return None

    def _next_batch(self) -> bool:
        """Count one more batch, or say the load stops here."""
        with self.lock:
            if self.errors or (self.max_batches is not None and self.sent >= self.max_batches):
                self.report.complete = False
                self.pending.clear()
                self.lock.notify_all()
                return False
            self.sent += 1
            return True

    def _work(self) -> None:
        while (step := self._take()) is not None:
            t0 = time.perf_counter()
            log.debug("load: %s (%s, %d rows) starts", step.table, step.query, step.rows)
            try:
                for start, batch in step.batches(self.store.batch_size):
                    if not self._next_batch():
                        break
                    step.keep_ids(start, self.store.run(step.query, load_id=self.load_id, **batch))
                    if step.input_rows:
                        with self.lock:
                            self.bar.update(len(next(iter(batch.values()))))
            except BaseException as e:
                with self.lock:
                    self.errors.append(e)
                    self.report.complete = False
            finally:
                with self.lock:
                    self.running.remove(step)
                    table = step.table
                    counts = self.report.rows if step.input_rows else self.report.created
                    counts[table] = counts.get(table, 0) + step.rows
                    spent = self.report.seconds.get(table, 0.0) + time.perf_counter() - t0
                    self.report.seconds[table] = round(spent, 3)
                    log.debug("load: %s (%s) ends", table, step.query)
                    self.lock.notify_all()


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame -> list of dicts with NaN as null and numpy scalars as Python ones."""
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
