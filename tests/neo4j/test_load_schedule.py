"""How a load spreads its steps over sessions, checked without a server: steps that MERGE
the same shared nodes never overlap and keep their order, shops come before everything,
an error in one session stops the others and is raised, ``max_batches`` counts every
batch sent, and the report counts the rows written (a step stopped midway: its batches sent)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from graphring.contract import read_dataset
from graphring.errors import StoreError
from graphring.stores.neo4j import (
    DATA_LABELS,
    DATA_TYPES,
    LoadReport,
    LoadScheduler,
    Neo4jStore,
    Step,
    plan_steps,
)
from tests.neo4j.helpers import write_csvs


class FakeStore:
    """Records which step ran a batch, when, on which thread; fails on request."""

    def __init__(self, fail_on: str | None = None, pause: float = 0.002) -> None:
        self.batch_size = 2
        self.fail_on = fail_on
        self.pause = pause
        self.calls: list[tuple[str, float, float, str]] = []
        self.lock = threading.Lock()

    def write(self, name: str, /, **params: Any) -> None:
        t0 = time.perf_counter()
        if name == self.fail_on:
            raise StoreError("boom")
        time.sleep(self.pause)
        with self.lock:
            self.calls.append((name, t0, time.perf_counter(), threading.current_thread().name))


def _step(name: str, rows: int, shares: set[str]) -> Step:
    return Step(name, name, {"x": list(range(rows))}, frozenset(shares))


def _run(
    store: FakeStore, plan: Iterable[Step], sessions: int, max_batches: int | None = None
) -> LoadReport:
    report = LoadReport(load_id="x", rows={}, seconds={})
    LoadScheduler(store.write, store.batch_size, "x", report, None, max_batches).run(plan, sessions)
    return report


def _span(store: FakeStore, name: str) -> tuple[float, float]:
    times = [(t0, t1) for n, t0, t1, _ in store.calls if n == name]
    return min(t for t, _ in times), max(t for _, t in times)


def test_steps_sharing_nodes_never_overlap_and_keep_their_order() -> None:
    store = FakeStore()
    plan = [
        _step("addresses", 20, {"Address"}),
        _step("phones", 10, {"Identifier:phone"}),
        _step("accounts", 10, {"Account"}),
        _step("shipments", 10, {"Shipment", "Address", "Identifier:phone"}),
        _step("emails", 30, {"Identifier:email"}),
        _step("listings", 10, {"Listing"}),
    ]
    report = _run(store, plan, sessions=2)
    assert report.complete
    assert len(store.calls) == sum(step.rows for step in plan) // 2
    assert len({thread for *_, thread in store.calls}) == 2  # both sessions worked
    start, _ = _span(store, "shipments")
    assert _span(store, "addresses")[1] <= start and _span(store, "phones")[1] <= start
    assert report.rows["emails"] == 30


def test_steps_made_while_others_are_sent_wait_for_the_shops() -> None:
    store = FakeStore()

    def plan():
        yield _step("merchants", 10, {"merchants:0"})
        yield _step("merchants", 10, {"merchants:1"})
        time.sleep(0.05)  # the next step's columns take a while to make
        yield Step("listings", "listings", {"x": [1, 2]}, frozenset(), frozenset({"merchants"}))
        time.sleep(0.05)
        raise StoreError("cannot make the next step")

    report = LoadReport(load_id="x", rows={}, seconds={})
    with pytest.raises(StoreError, match="next step"):
        LoadScheduler(store.write, store.batch_size, "x", report).run(plan(), 2)
    assert not report.complete
    assert max(t1 for n, _, t1, _ in store.calls if n == "merchants") <= _span(store, "listings")[0]


def test_steps_are_made_only_a_few_ahead_of_the_sessions() -> None:
    """A step's columns are most of the client's memory: they are not all made at once."""
    store = FakeStore()
    ahead = []

    def plan():
        for n in range(12):
            with store.lock:
                started = len({name for name, *_ in store.calls})
            ahead.append(n - started)
            yield _step(f"s{n}", 6, {f"s{n}"})

    _run(store, plan(), sessions=2)
    assert len({name for name, *_ in store.calls}) == 12
    assert max(ahead) <= 2 * 2 + 1


def test_one_session_runs_the_steps_in_plan_order() -> None:
    store = FakeStore(pause=0)
    plan = [_step(name, 4, {name}) for name in ["a", "b", "c"]]
    _run(store, plan, sessions=1)
    assert [name for name, *_ in store.calls] == ["a", "a", "b", "b", "c", "c"]


def test_an_error_in_one_session_stops_the_other_and_is_raised() -> None:
    store = FakeStore(fail_on="bad")
    plan = [_step("slow", 200, {"A"}), _step("bad", 4, {"B"}), _step("later", 10, {"C"})]
    report = LoadReport(load_id="x", rows={}, seconds={})
    with pytest.raises(StoreError, match="boom"):
        LoadScheduler(store.write, store.batch_size, "x", report).run(plan, 2)
    assert not report.complete
    names = [name for name, *_ in store.calls]
    assert "later" not in names and names.count("slow") < 100


def test_max_batches_counts_batches_over_every_session() -> None:
    store = FakeStore()
    plan = [_step(name, 20, {name}) for name in ["a", "b", "c"]]
    report = _run(store, plan, sessions=2, max_batches=7)
    assert not report.complete and len(store.calls) == 7


def test_a_step_stopped_midway_reports_the_rows_it_wrote() -> None:
    """Seven batches of two rows were sent: the report says 14 rows, not the 40 or 60 rows
    of the steps those batches belong to."""
    store = FakeStore()
    plan = [_step(name, 20, {name}) for name in ["a", "b", "c"]]
    report = _run(store, plan, sessions=2, max_batches=7)
    assert sum(report.rows.values()) == 14
    sent = {name: 2 * [n for n, *_ in store.calls].count(name) for name in "abc"}
    assert {k: v for k, v in report.rows.items()} == {k: v for k, v in sent.items() if v}


def test_a_step_that_fails_midway_reports_the_rows_it_wrote() -> None:
    store = FakeStore(fail_on="bad")
    plan = [_step("good", 4, {"A"}), _step("bad", 6, {"B"})]
    report = _run_failing(store, plan)
    assert report.rows == {"good": 4, "bad": 0}


def _run_failing(store: FakeStore, plan: list[Step]) -> LoadReport:
    report = LoadReport(load_id="x", rows={}, seconds={})
    with pytest.raises(StoreError, match="boom"):
        LoadScheduler(store.write, store.batch_size, "x", report).run(plan, 1)
    return report


def _tables() -> dict[str, list[list[str]]]:
    return {
        "merchants": [["merchant_id", "name"]] + [[f"M{n}", f"Shop {n}"] for n in range(6)],
        "identifiers": [["merchant_id", "kind", "value"]]
        + [[f"M{n}", kind, f"{kind}-{n}"] for n in range(6) for kind in ["email", "phone"]],
        "listings": [["listing_id", "merchant_id", "price"]]
        + [[f"L{n}", f"M{n}", "9.5"] for n in range(6)],
    }


def test_the_plan_loads_shops_first_and_splits_only_what_shares_nothing(
    tmp_path: Path,
) -> None:
    """A database holding some data (here only addresses): tables of labels it lacks are
    CREATEd (``_fresh``), shared nodes still MERGEd one step at a time."""
    dataset = read_dataset(write_csvs(tmp_path, _tables()))
    absent = {*DATA_LABELS, *DATA_TYPES} - {"Address"}
    plan = list(plan_steps(dataset, absent=absent, parts=2))
    assert [(s.table, s.rows) for s in plan] == [
        ("merchants", 3),
        ("merchants", 3),
        ("addresses", 0),
        ("identifiers", 6),  # phones first: parcels MERGE them
        ("payment_accounts", 0),
        ("shipments", 0),
        ("identifiers", 6),
        ("listings", 1),  # listings in twice as many parts, for an even end
        ("listings", 2),
        ("listings", 1),
        ("listings", 2),
    ]
    assert plan[3].columns["kind"] == ["phone"] * 6
    assert all(s.query.endswith("_fresh") for s in plan)
    assert all(s.after == {"merchants"} for s in plan if s.table != "merchants")
    assert Neo4jStore(driver=None).sessions == 2


#: What the ids GraphFake makes call the nodes of queries whose rows have no kind.
KIND = {"first_merchants": "merchant", "first_address_nodes": "address"}


class GraphFake(FakeStore):
    """Answers a first load's node queries as the server does (``i`` and ``id`` columns,
    here in reverse row order, which the load must undo) with ids that spell what the node
    is; records the columns every other query was sent."""

    def __init__(self) -> None:
        super().__init__(pause=0.001)
        self.node_pause = 0.03  # node steps slow: a step not waiting for them would show
        self.batch_size = 3
        self.sent: dict[str, list[dict[str, Any]]] = {}

    def write(self, name: str, /, **params: Any) -> pd.DataFrame:  # type: ignore[override]
        super().write(name)
        if name == "first_merchants" or name.endswith("_nodes"):
            time.sleep(self.node_pause)
            keys = params.get("merchant_id") or params["key"]
            kinds = params.get("kind") or [KIND.get(name)] * len(keys)
            ids = [f"{kind}:{key}" for kind, key in zip(kinds, keys, strict=True)]
            return pd.DataFrame({"i": [list(range(len(ids)))[::-1]], "id": [ids[::-1]]})
        with self.lock:
            self.sent.setdefault(name, []).append(params)
        return pd.DataFrame()

    def rows(self, name: str) -> pd.DataFrame:
        return pd.concat(
            [
                pd.DataFrame({k: v for k, v in p.items() if isinstance(v, list)})
                for p in self.sent[name]
            ],
            ignore_index=True,
        )


def test_a_first_load_creates_each_shared_node_once_and_links_rows_by_its_id(
    tmp_path: Path,
) -> None:
    tables = {
        **_tables(),
        "addresses": [["merchant_id", "address"], ["M0", "1 Hub Rd"], ["M1", "1 Hub Rd"]],
        "payment_accounts": [["merchant_id", "account"], ["M2", "6222 01"], ["M3", "6222 01"]],
        "shipments": [["shipment_id", "merchant_id", "origin", "sender_phone"]]
        + [
            [f"S{n}", f"M{n}", "1 Hub Rd" if n < 3 else "2 Far St", "phone-0" if n else ""]
            for n in range(5)
        ],
    }
    dataset = read_dataset(write_csvs(tmp_path, tables))
    plan = list(plan_steps(dataset, absent={*DATA_LABELS, *DATA_TYPES}, parts=2))
    assert [s.query for s in plan[:2]] == ["first_merchants"] * 2
    assert all(
        s.query.startswith("first_") and not s.shares & t.shares
        for s in plan
        for t in plan
        if s is not t
    )
    store = GraphFake()
    report = _run(store, plan, sessions=2)
    assert report.complete
    # each shared node once: the phone of parcels and identifiers is one node
    assert report.created == {"Address nodes": 2, "Account nodes": 1, "Identifier nodes": 12}
    assert report.rows["identifiers"] == 12 and report.rows["shipments"] == 5

    i = store.rows("first_identifiers").merge(dataset["identifiers"], on="value")
    assert (i["m"] == "merchant:" + i["merchant_id"]).all()
    assert (i["x"] == i["kind"] + ":" + i["key"]).all()
    s = store.rows("first_shipments").merge(dataset["shipments"], on="shipment_id")
    assert (s["m"] == "merchant:" + s["merchant_id"]).all()
    assert (s["a"] == "address:" + s["origin_key"]).all()
    assert s["p"].isna().sum() == 1 and set(s["p"].dropna()) == {
        f"phone:{s['sender_phone_key'].iloc[-1]}"
    }
    a = store.rows("first_addresses").merge(dataset["addresses"], on="address")
    assert (a["a"] == "address:" + a["key"]).all() and set(a["m"]) == {"merchant:M0", "merchant:M1"}
    p = store.rows("first_accounts")
    assert set(p["m"]) == {"merchant:M2", "merchant:M3"} and p["a"].nunique() == 1
    listings = store.rows("first_listings").merge(dataset["listings"], on="listing_id")
    assert (listings["m"] == "merchant:" + listings["merchant_id"]).all()
    assert report.rows["addresses"] == 2 and report.rows["payment_accounts"] == 2
    # nothing starts before the steps creating the nodes it points at are done
    needs = {
        "first_listings": {"first_merchants"},
        "first_addresses": {"first_merchants", "first_address_nodes"},
        "first_identifiers": {"first_merchants", "first_identifier_nodes"},
        "first_accounts": {"first_merchants", "first_account_nodes"},
        "first_shipments": {"first_merchants", "first_address_nodes", "first_identifier_nodes"},
    }
    for name, before in needs.items():
        assert _span(store, name)[0] >= max(_span(store, b)[1] for b in before), name


def test_a_first_load_without_identifiers_or_sender_phones(tmp_path: Path) -> None:
    """No identifier node at all: every parcel's phone is null, not an error."""
    tables = {
        "merchants": [["merchant_id", "name"], ["M1", "a"], ["M2", "b"]],
        "shipments": [
            ["shipment_id", "merchant_id", "origin", "sender_phone"],
            ["S1", "M1", "1 Hub Rd", ""],
            ["S2", "M2", "2 Far St", ""],
        ],
    }
    dataset = read_dataset(write_csvs(tmp_path, tables))
    store = GraphFake()
    report = _run(store, plan_steps(dataset, absent={*DATA_LABELS, *DATA_TYPES}), sessions=2)
    assert report.complete and report.created["Identifier nodes"] == 0
    parcels = store.rows("first_shipments")
    assert parcels["p"].isna().all() and parcels["m"].tolist() == ["merchant:M1", "merchant:M2"]
