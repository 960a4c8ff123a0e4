"""A real Neo4j server as the store. Every query is a parameterised file under cypher/,
loads go in UNWIND batches (planned in :mod:`.plan` and :mod:`.first_load`, sent by
:mod:`.scheduler`), and driver errors become :class:`StoreError` in :mod:`.errors`, once.

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

Batches travel as columns (one list per field, :mod:`.columns`), not as a list of maps:
the Bolt driver packs that about twice as fast, and packing is most of the client's work.

Credentials come from settings (``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD``) and
never appear in messages, logs or outputs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd

from graphring.config import Settings
from graphring.contract import Dataset
from graphring.errors import InputError, StoreError
from graphring.queries import query, statements
from graphring.stores.base import (
    ADDRESS_COLUMNS,
    HOLDING_COLUMNS,
    LISTING_COLUMNS,
    MERCHANT_COLUMNS,
    SHIPMENT_COLUMNS,
    Store,
)
from graphring.stores.neo4j.errors import connecting, driver_errors, holding, translated
from graphring.stores.neo4j.plan import (
    DATA_LABELS,
    DATA_TYPES,
    SEEN,
    check_extras,
    known_properties,
    plan_steps,
)
from graphring.stores.neo4j.scheduler import LoadReport, LoadScheduler
from graphring.uri import safe_uri

log = logging.getLogger(__name__)
#: GDS procedures a read-only query may call beyond the algorithms' read-only modes.
READ_ONLY_GDS = frozenset({"gds.graph.list", "gds.graph.exists", "gds.version", "gds.list"})
CONNECT_TIMEOUT_S = 10.0
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


class Neo4jStore(Store):
    """The marketplace graph in Neo4j. Build with :meth:`connect`, or hand in a driver.

    Queries are named files under ``cypher/``: :meth:`read` runs one in a read
    transaction, :meth:`write` in a write transaction; :meth:`query` runs a user's own
    Cypher text in a read-only session, so the server refuses anything that writes.
    """

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

        driver = None
        try:
            with connecting(safe_uri(settings.neo4j_uri), settings.neo4j_user):
                driver = neo4j.GraphDatabase.driver(
                    settings.neo4j_uri,
                    auth=(settings.neo4j_user, settings.neo4j_password),
                    connection_timeout=CONNECT_TIMEOUT_S,
                    max_transaction_retry_time=5.0,
                    connection_acquisition_timeout=CONNECT_TIMEOUT_S,
                    # queries name labels and types an empty database has not seen yet
                    # (the first load's count queries): not worth a warning each
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
        except BaseException:
            if driver is not None:
                driver.close()
            raise

    # -- running queries ------------------------------------------------------------------
    def read(self, name: str, /, **params: Any) -> pd.DataFrame:
        """Run ``cypher/<name>.cypher`` in a read transaction; the records as a frame.

        Every value goes in as a parameter; nothing is ever pasted into query text.
        """
        return self._execute(query(name), params, name, write=False)

    def write(self, name: str, /, **params: Any) -> pd.DataFrame:
        """Run ``cypher/<name>.cypher`` in a write transaction; the records as a frame."""
        return self._execute(query(name), params, name, write=True)

    def query(self, text: str, /, **params: Any) -> pd.DataFrame:
        """Run a user's own Cypher ``text`` (values as ``params``) in a read-only session:
        the server refuses anything that writes, and so does this method for the GDS
        procedures that change the server's in-memory graph catalog (declared reads, such
        as ``gds.graph.project``). A refusal is a :class:`StoreError`; nothing changes.
        Nodes and paths come back as the driver's values, e.g.
        ``store.query("MATCH (m:Merchant) WHERE m.city = $city RETURN m", city="Yiwu")``.
        """
        import neo4j

        with (
            translated("a read-only query"),
            self.driver.session(
                database=self.database,
                default_access_mode=neo4j.READ_ACCESS,
                # after this store's writes, as execute_query's reads are (on a cluster)
                bookmark_manager=self.driver.execute_query_bookmark_manager,
            ) as session,
        ):
            plan = session.run(f"EXPLAIN {text}", params).consume().plan
            changes = sorted(set(catalog_changes(plan)))
            if changes:
                raise StoreError(
                    f"a read-only query may not use {', '.join(changes)}: it changes the "
                    "server's graph catalog (nothing was run)"
                )
            result = session.run(text, params)
            keys = result.keys()
            rows = [r.values() for r in result]
        return pd.DataFrame(rows, columns=keys)

    def _execute(
        self, text: str, params: dict[str, Any], name: str, *, write: bool
    ) -> pd.DataFrame:
        import neo4j

        routing = neo4j.RoutingControl.WRITE if write else neo4j.RoutingControl.READ
        with translated(repr(name)):
            records, _, keys = self.driver.execute_query(
                text, parameters_=params, database_=self.database, routing_=routing
            )
        return pd.DataFrame([r.values() for r in records], columns=keys)

    def _write_in_batches(self, name: str, /, **params: Any) -> pd.DataFrame:
        """Run ``cypher/<name>.cypher`` in an implicit transaction (what ``CALL { ... } IN
        TRANSACTIONS`` needs: the query commits in batches of its own)."""
        with (
            translated(repr(name)),
            self.driver.session(
                database=self.database,
                bookmark_manager=self.driver.execute_query_bookmark_manager,
            ) as session,
        ):
            result = session.run(query(name), params)
            keys = result.keys()
            rows = [r.values() for r in result]
        return pd.DataFrame(rows, columns=keys)

    def ensure_schema(self) -> None:
        """The constraints and indexes of ``cypher/schema.cypher`` (each IF NOT EXISTS)."""
        for n, stmt in enumerate(statements("schema"), start=1):
            self._execute(stmt, {}, f"schema statement {n}", write=True)

    # -- loading ---------------------------------------------------------------------------
    def load(self, dataset: Dataset, *, max_batches: int | None = None) -> dict[str, int]:
        """Mirror ``dataset`` into the database; returns data node counts by label.

        Shops go first; then :attr:`sessions` sessions load the other steps side by side,
        each step one transaction per batch, never two steps that MERGE the same shared
        nodes at once (addresses, then the parcels that MERGE their origins). The next
        steps' columns are made while the first ones are sent. Into a database holding no
        data, the steps are those of :func:`first_load_steps` (nodes first, then
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
        stale = set(self.read("stale_properties", known=known_properties(dataset))["label"])
        check_extras(dataset)  # before anything is sent
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
            scheduler = LoadScheduler(
                self.write, self.batch_size, load_id, report, bar.update, max_batches
            )
            scheduler.run(plan, self.sessions)
        if report.complete:
            self._mirror(report)
        return self.data_counts()

    def check_removal(self, dataset: Dataset) -> None:
        """Refuse (:class:`InputError`) a load whose mirror step would delete more than
        :data:`MAX_REMOVED_SHARE` of the shops the database holds."""
        ids = dataset["merchants"]["merchant_id"].tolist()
        found = self.read("count_kept_shops", ids=ids).iloc[0]
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
        holder = f"pid {os.getpid()} on {socket.gethostname()}"
        params = {"id": LOCK_ID, "holder": holder}
        self.write("lock_node", id=LOCK_ID)
        # a short transaction first: it gives up on the lock after LOCK_WAIT_S, where the
        # long one below (no timeout: it lasts the run) would wait. Should a run slip in
        # between the two, the long one waits for it: the runs go one after the other.
        stmt = query("take_lock")
        session = self.driver.session(database=self.database)
        try:
            with holding(self.database):
                with session.begin_transaction(timeout=LOCK_WAIT_S) as probe:
                    probe.run(stmt, params).consume()
                    probe.rollback()
                hold = session.begin_transaction()
                hold.run(stmt, params).consume()
        except BaseException:
            session.close()
            raise
        try:
            yield
        finally:
            with contextlib.suppress(*driver_errors()):
                hold.rollback()
            session.close()

    def absent(self) -> set[str]:
        """The data labels and relationship types the database holds none of."""
        counts = {**self.data_counts(), **self.read("count_data_relationships").iloc[0]}
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
            nodes = self._write_in_batches("prune_nodes", labels=labels, **size)
            report.pruned_nodes = int(nodes["deleted"].sum())
        if types:
            rels = self._write_in_batches("prune_relationships", types=types, **size)
            report.pruned_relationships = int(rels["deleted"].sum())
        orphans = self._write_in_batches("prune_orphans", batch_size=self.batch_size)
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
        counts = self.read("count_data_nodes").iloc[0]
        return {label: int(counts[label]) for label in DATA_LABELS}

    # -- the store's hooks (conformed by Store) --------------------------------------------
    def _rows(self, name: str, columns: list[str]) -> pd.DataFrame:
        """A read query answering one record of ``rows`` (lists) -> a frame of ``columns``."""
        rows = self.read(name)["rows"].iloc[0]
        return pd.DataFrame(rows, columns=columns)

    def _merchant_rows(self) -> pd.DataFrame:
        rows = self.read("read_merchants", named=[*MERCHANT_COLUMNS, SEEN])["rows"].iloc[0]
        m = pd.DataFrame([r[:-1] for r in rows], columns=MERCHANT_COLUMNS)
        extras = [dict(r[-1]) for r in rows]
        if any(extras):
            m = pd.concat([m, pd.DataFrame(extras, index=m.index)], axis=1)
        return m

    def _listing_rows(self) -> pd.DataFrame:
        return self._rows("read_listings", LISTING_COLUMNS)

    def _shipment_rows(self) -> pd.DataFrame:
        return self._rows("read_shipments", [*SHIPMENT_COLUMNS, "origin"])

    def _address_rows(self, keys: Sequence[str] | None) -> pd.DataFrame:
        return self._rows("read_address_rows", ADDRESS_COLUMNS)

    def _holding_rows(self) -> pd.DataFrame:
        """Holdings come as one record of columns (no field can be null there)."""
        record = self.read("read_holdings").iloc[0]
        return pd.DataFrame({c: record[c] for c in HOLDING_COLUMNS})

    # -- ring write-back (:class:`~graphring.stores.base.RingWriter`) ----------------------
    def write_rings(self, rings: pd.DataFrame, members: pd.DataFrame, run_id: str) -> None:
        r = rings[["ring_id", "ring_score", "size", "reasons"]].rename(
            columns={"ring_score": "score"}
        )
        m = members[["ring_id", "merchant_id", "core"]]
        self.write("write_rings", run_id=run_id, rings=_records(r), members=_records(m))

    def write_lineage(
        self, run_id: str, previous_run_id: str | None, changes: dict[str, Any]
    ) -> None:
        """(:Run)-[:NEXT]->(:Run), and (:Ring)-[:MERGED_INTO|SPLIT_FROM]->(:Ring)."""
        self.write(
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
        self._write_in_batches("wipe", batch_size=self.batch_size)

    def close(self) -> None:
        if self._owns:
            self.driver.close()


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame -> list of dicts with NaN as null and numpy scalars as Python ones."""
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def catalog_changes(plan: dict[str, Any] | None) -> Iterator[str]:
    """The GDS procedures an EXPLAIN ``plan`` calls that change the server's in-memory graph
    catalog: GDS declares them reads (they write no node), so a read-only session would
    run them. Allowed: ``gds.graph.list``/``exists`` and algorithms' ``stream``, ``stats``
    and ``estimate`` modes (they change nothing).

    >>> details = {"Details": "gds.graph.project(a) :: (x)"}
    >>> call = {"operatorType": "ProcedureCall@neo4j", "args": details}
    >>> list(catalog_changes({"operatorType": "ProduceResults", "children": [call]}))
    ['gds.graph.project']
    """
    if not plan:
        return
    if str(plan.get("operatorType", "")).startswith("ProcedureCall"):
        details = str(plan.get("args", {}).get("Details", ""))
        procedure = details.split("(", 1)[0].strip()
        if procedure.lower().startswith("gds.") and not _reads_catalog(procedure.lower()):
            yield procedure
    for child in plan.get("children", []):
        yield from catalog_changes(child)


def _reads_catalog(procedure: str) -> bool:
    last = procedure.rsplit(".", 1)[-1]
    return procedure in READ_ONLY_GDS or last in {"stream", "stats", "estimate"}
