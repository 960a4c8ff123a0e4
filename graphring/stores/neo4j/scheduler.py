"""Sends a load's steps, batch by batch, over one or more sessions (threads), and reports
what was written. A :class:`Step` is one table's rows (or one part of them) and the query
file that writes them; the planners (:mod:`.plan`, :mod:`.first_load`) make the steps."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)


@dataclass
class Step:
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

    def split(self, parts: int) -> list[Step]:
        """This step in ``parts`` steps of consecutive rows that may run at once."""
        if parts <= 1 or self.rows < 2:
            return [self]
        bounds = [self.rows * n // parts for n in range(parts + 1)]
        return [
            Step(
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

    def keep_ids(self, start: int, returned: pd.DataFrame | None) -> None:
        """Store the node ids a batch from row ``start`` returned (columns ``i`` and ``id``)."""
        if self.ids is None or returned is None or returned.empty:
            return
        rows = np.asarray(returned["i"].iloc[0], dtype=np.int64)
        self.ids[self.first + start + rows] = np.asarray(returned["id"].iloc[0], dtype=object)


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


#: Sends one batch: (query name, parameters) -> the records (a first load's node ids) or None.
Send = Callable[..., pd.DataFrame | None]


class LoadScheduler:
    """Sends a load's steps, batch by batch, over one or more sessions (threads).

    A worker takes the first step of the plan that is ready: no step running or waiting
    before it shares a shared node with it. An error in one worker stops the others after
    their current batch and is raised again here; so is an interrupt of the waiting thread.
    ``report`` counts the rows each step wrote (a step stopped midway counts the batches
    it sent); ``max_batches`` stops the load after that many batches (report not complete).

    ``send(query, load_id=..., **columns)`` runs one batch (:meth:`Neo4jStore.write`);
    ``progress(rows)``, when given, hears of every batch of input rows written.
    """

    def __init__(
        self,
        send: Send,
        batch_size: int,
        load_id: str,
        report: LoadReport,
        progress: Callable[[int], object] | None = None,
        max_batches: int | None = None,
    ) -> None:
        self.send = send
        self.batch_size = batch_size
        self.load_id = load_id
        self.report = report
        self.progress = progress
        self.max_batches = max_batches
        self.sent = 0
        self.lock = threading.Condition()
        self.errors: list[BaseException] = []

    def run(self, plan: Iterable[Step], sessions: int) -> None:
        """Send the steps of ``plan`` (made one by one in a thread of its own, while the
        first ones are sent) over ``sessions`` sessions."""
        self.pending: list[Step] = []
        self.running: list[Step] = []
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

    def _make(self, plan: Iterator[Step]) -> None:
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

    def _take(self) -> Step | None:
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
            written = 0
            log.debug("load: %s (%s, %d rows) starts", step.table, step.query, step.rows)
            try:
                for start, batch in step.batches(self.batch_size):
                    if not self._next_batch():
                        break
                    step.keep_ids(start, self.send(step.query, load_id=self.load_id, **batch))
                    rows = len(next(iter(batch.values())))
                    written += rows
                    if step.input_rows and self.progress is not None:
                        with self.lock:
                            self.progress(rows)
            except BaseException as e:
                with self.lock:
                    self.errors.append(e)
                    self.report.complete = False
            finally:
                with self.lock:
                    self.running.remove(step)
                    table = step.table
                    counts = self.report.rows if step.input_rows else self.report.created
                    counts[table] = counts.get(table, 0) + written
                    spent = self.report.seconds.get(table, 0.0) + time.perf_counter() - t0
                    self.report.seconds[table] = round(spent, 3)
                    log.debug("load: %s (%s) ends", table, step.query)
                    self.lock.notify_all()
