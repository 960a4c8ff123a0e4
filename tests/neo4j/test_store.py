"""Neo4j as a real store: loads that mirror the data folder, are idempotent and resumable,
hostile strings kept verbatim, every value a parameter, no credential ever written out, and
clear one-line errors when the server cannot be used."""

from __future__ import annotations

import ast
import math
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from graphring.config import Settings
from graphring.contract import Dataset, read_dataset
from graphring.queries import query
from graphring.sample import SampleInfo
from graphring.stores.memory import MemoryStore
from graphring.stores.neo4j import DATA_LABELS, DATA_TYPES, Neo4jStore, plan_steps, safe_uri
from tests.conftest import run_cli as cli
from tests.neo4j.helpers import assert_same_frames, graph_counts, store_frames, write_csvs

pytestmark = pytest.mark.neo4j
ROOT = Path(__file__).resolve().parents[2]


# -- loading --------------------------------------------------------------------------------


def test_loading_twice_changes_nothing(neo4j_store: Neo4jStore, sample: SampleInfo) -> None:
    dataset = read_dataset(sample.data_dir)
    first = neo4j_store.load(dataset)
    assert first == MemoryStore().load(dataset)
    assert sorted(first) == sorted(DATA_LABELS)
    # an empty database: everything was CREATEd (the first_ queries), nothing tagged, each
    # shared node once before its relationships
    report = neo4j_store.last_load
    assert report is not None and report.absent == sorted({*DATA_LABELS, *DATA_TYPES})
    assert report.created == {f"{label} nodes": first[label] for label in SHARED_LABELS}
    for marked in [
        "MATCH (n) WHERE n.seen IS NOT NULL RETURN count(*) AS n",
        "MATCH ()-[r]->() WHERE r.seen IS NOT NULL RETURN count(*) AS n",
    ]:
        assert neo4j_store.query(marked)["n"].iloc[0] == 0
    counts = graph_counts(neo4j_store)
    frames = store_frames(neo4j_store)
    assert neo4j_store.load(dataset) == first
    assert graph_counts(neo4j_store) == counts
    assert_same_frames(store_frames(neo4j_store), frames)
    report = neo4j_store.last_load
    assert report is not None and report.complete and report.absent == []
    assert report.pruned_nodes == 0 and report.pruned_relationships == 0


SHARED_LABELS = ["Address", "Account", "Identifier"]


def test_a_first_load_keeps_extra_columns_and_a_reload_changes_nothing(
    neo4j_store: Neo4jStore, tmp_path: Path
) -> None:
    """Extra columns of shops, parcels and listings become properties in a first load as in
    a reload; a shop's rows of every kind hang off that shop."""
    tables = _shops_v1()
    tables["shipments"] = [
        row + [extra] for row, extra in zip(tables["shipments"], ["lot", "A7", "B2"], strict=True)
    ]
    tables["listings"] = [
        row + [extra]
        for row, extra in zip(tables["listings"], ["stock", "3", "", "9"], strict=True)
    ]
    dataset = read_dataset(write_csvs(tmp_path, tables))
    neo4j_store.load(dataset)
    report = neo4j_store.last_load
    assert report is not None and report.created  # the first-load path ran
    props = (
        "MATCH (m:Merchant)-[:SENT]->(s)-[:FROM]->(a) RETURN m.merchant_id AS m, m.tier AS tier,"
        " s.shipment_id AS s, s.lot AS lot, a.key AS origin ORDER BY s"
    )
    first = neo4j_store.query(props)
    assert first["lot"].tolist() == ["A7", "B2"] and first["m"].tolist() == ["M1", "M3"]
    stock = (
        "MATCH (m)-[:LISTS]->(l) RETURN m.merchant_id AS m, l.listing_id AS l,"
        " l.stock AS stock ORDER BY l"
    )
    listed = neo4j_store.query(stock)
    assert listed[["m", "l"]].values.tolist() == [["M1", "L1"], ["M3", "L2"], ["M2", "L3"]]
    assert listed["stock"].fillna(-1).tolist() == [3, -1, 9]  # numbers, as the file parsed them
    counts, frames = graph_counts(neo4j_store), store_frames(neo4j_store)
    neo4j_store.load(dataset)
    assert neo4j_store.last_load is not None and not neo4j_store.last_load.created
    assert graph_counts(neo4j_store) == counts
    assert_same_frames(store_frames(neo4j_store), frames)
    pd.testing.assert_frame_equal(neo4j_store.query(props), first)


def _loaded_then_wiped(store: Neo4jStore, dataset: Dataset) -> tuple[Any, Any]:
    """The graph's counts and the store's frames after loading ``dataset``; then wiped."""
    store.load(dataset)
    counts, frames = graph_counts(store), store_frames(store)
    store.wipe()
    return counts, frames


def test_one_session_and_two_sessions_load_the_same_graph(
    neo4j_store: Neo4jStore, sample: SampleInfo
) -> None:
    dataset = read_dataset(sample.data_dir)
    neo4j_store.sessions = 1
    one, one_frames = _loaded_then_wiped(neo4j_store, dataset)
    neo4j_store.sessions = 2
    neo4j_store.load(dataset)
    assert graph_counts(neo4j_store) == one
    assert_same_frames(store_frames(neo4j_store), one_frames)


def test_an_interrupted_load_run_again_ends_in_the_same_graph(
    neo4j_store: Neo4jStore, sample: SampleInfo
) -> None:
    dataset = read_dataset(sample.data_dir)
    neo4j_store.batch_size = 1000
    clean, clean_frames = _loaded_then_wiped(neo4j_store, dataset)

    batches = sum(math.ceil(step.rows / 1000) for step in list(plan_steps(dataset)))
    neo4j_store.load(dataset, max_batches=batches // 2)
    assert neo4j_store.last_load is not None and not neo4j_store.last_load.complete
    partial = graph_counts(neo4j_store)
    assert partial != clean and partial.get("(:Listing)", 0) < clean["(:Listing)"]
    # a partial load again (as a second crash would), then a whole one
    neo4j_store.load(dataset, max_batches=batches // 3)
    neo4j_store.load(dataset)
    assert graph_counts(neo4j_store) == clean
    assert_same_frames(store_frames(neo4j_store), clean_frames)


def test_a_killed_load_process_run_again_ends_in_the_same_graph(
    neo4j_store: Neo4jStore, neo4j_settings: Settings, sample: SampleInfo
) -> None:
    dataset = read_dataset(sample.data_dir)
    neo4j_store.load(dataset)
    clean = graph_counts(neo4j_store)
    full = neo4j_store.data_counts()
    neo4j_store.wipe()

    env = {
        **os.environ,
        "NEO4J_PASSWORD": neo4j_settings.neo4j_password,
        "GRAPHRING_BATCH_SIZE": "50",
    }
    args = ["load", str(sample.data_dir), "--backend", "neo4j"]
    args += ["--neo4j-uri", neo4j_settings.neo4j_uri]
    proc = subprocess.Popen(
        [sys.executable, "-m", "graphring.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            counts = neo4j_store.data_counts()
            if counts["Merchant"] == full["Merchant"] and counts["Address"] > 0:
                break
            time.sleep(0.05)
        proc.kill()
    finally:
        proc.wait(timeout=60)
    assert proc.returncode != 0, "the load finished before it could be killed"
    assert neo4j_store.data_counts() != full

    neo4j_store.load(dataset)
    assert graph_counts(neo4j_store) == clean


def _shops_v1() -> dict[str, list[list[str]]]:
    return {
        "merchants": [
            ["merchant_id", "name", "province", "tier"],
            ["M1", "Alpha", "Guangdong", "gold"],
            ["M2", "Beta", "Zhejiang", "silver"],
            ["M3", "Gamma", "Jiangsu", ""],
        ],
        "addresses": [
            ["merchant_id", "address", "role"],
            ["M1", "12 Xinhua Rd", "warehouse"],
            ["M2", "12 Xinhua Road", "warehouse"],
            ["M2", "5 Lone St", "return"],
            ["M3", "9 Gone Ave", "registered"],
        ],
        "payment_accounts": [
            ["merchant_id", "account"],
            ["M1", "6222 0001"],
            ["M3", "6222 0003"],
        ],
        "identifiers": [
            ["merchant_id", "kind", "value"],
            ["M1", "email", "a@x.cn"],
            ["M2", "email", "a@x.cn"],
            ["M2", "device", "dev-2"],
        ],
        "shipments": [
            ["shipment_id", "merchant_id", "origin", "sender_phone"],
            ["S1", "M1", "12 Xinhua Rd", "13800000001"],
            ["S2", "M3", "9 Gone Ave", "13800000003"],
        ],
        "listings": [
            ["listing_id", "merchant_id", "brand", "title", "price"],
            ["L1", "M1", "Kingston", "64GB", "10"],
            ["L2", "M3", "Samsung", "128GB", "20"],
            ["L3", "M2", "Kingston", "32GB", "30"],
        ],
    }


def _shops_v2() -> dict[str, list[list[str]]]:
    """v1 a day later: M3 closed, M2 gave up 5 Lone St and its device, L3 moved to M1,
    the tier column is gone."""
    v2 = {name: [row for row in rows if "M3" not in row] for name, rows in _shops_v1().items()}
    v2["merchants"] = [row[:3] for row in v2["merchants"]]
    v2["addresses"] = [row for row in v2["addresses"] if row[1] != "5 Lone St"]
    v2["identifiers"] = [row for row in v2["identifiers"] if row[1] != "device"]
    v2["listings"] = [row if row[0] != "L3" else ["L3", "M1", *row[2:]] for row in v2["listings"]]
    return v2


def test_a_load_mirrors_the_folder_rows_gone_do_not_linger(
    neo4j_store: Neo4jStore, tmp_path: Path
) -> None:
    v1 = read_dataset(write_csvs(tmp_path / "v1", _shops_v1()))
    v2 = read_dataset(write_csvs(tmp_path / "v2", _shops_v2()))
    neo4j_store.load(v2)
    fresh = graph_counts(neo4j_store)
    fresh_frames = store_frames(neo4j_store)
    neo4j_store.wipe()

    neo4j_store.load(v1)
    assert "tier" in neo4j_store.merchants().columns
    # rings found on v1 are written back, and must survive the mirror step
    neo4j_store.write_rings(
        pd.DataFrame({"ring_id": ["R-1"], "ring_score": [60.0], "size": [3], "reasons": ["x"]}),
        pd.DataFrame({"ring_id": ["R-1"] * 3, "merchant_id": ["M1", "M2", "M3"], "core": True}),
        "run-1",
    )
    neo4j_store.load(v2)
    after = graph_counts(neo4j_store)
    # the run's own nodes and relationships stay; M3's membership went with M3
    assert after.pop("(:Ring)") == 1 and after.pop("(:Run)") == 1
    assert after.pop("[:FOUND_IN]") == 1 and after.pop("[:MEMBER_OF]") == 2
    assert after == fresh
    assert_same_frames(store_frames(neo4j_store), fresh_frames)
    report = neo4j_store.last_load
    assert report is not None and report.pruned_nodes > 0 and report.pruned_relationships > 0
    merchants = neo4j_store.merchants()
    assert list(merchants["merchant_id"]) == ["M1", "M2"] and "tier" not in merchants.columns
    keys = set(neo4j_store.holdings()["key"])
    assert not any("gone" in k or "lone" in k for k in keys)
    listings = neo4j_store.listings().set_index("listing_id")
    assert listings.loc["L3", "merchant_id"] == "M1"


def test_a_load_creating_some_labels_afresh_still_prunes_the_others(
    neo4j_store: Neo4jStore, tmp_path: Path
) -> None:
    """Parcels and listings are new to the database (CREATEd, untagged) while shops are
    MERGEd: the mirror step prunes the closed shop and leaves the new ones alone."""
    v1 = _shops_v1()
    del v1["shipments"], v1["listings"]
    v1["merchants"] = [row[:3] for row in v1["merchants"]]
    v2 = read_dataset(write_csvs(tmp_path / "v2", _shops_v2()))
    neo4j_store.load(v2)
    fresh = graph_counts(neo4j_store)
    fresh_frames = store_frames(neo4j_store)
    neo4j_store.wipe()

    neo4j_store.load(read_dataset(write_csvs(tmp_path / "v1", v1)))
    neo4j_store.load(v2)
    report = neo4j_store.last_load
    assert report is not None
    assert report.absent == ["FROM", "LISTS", "Listing", "SENDER_PHONE", "SENT", "Shipment"]
    assert report.pruned_nodes > 0 and report.pruned_relationships > 0
    assert graph_counts(neo4j_store) == fresh
    assert_same_frames(store_frames(neo4j_store), fresh_frames)


# -- hostile strings and parameters -----------------------------------------------------------

HOSTILE = [
    'x"}) DETACH DELETE n //',
    "x'}) DETACH DELETE n //",
    "') MATCH (n) DETACH DELETE n; //",
    "`) RETURN 1 UNION MATCH (n) DETACH DELETE n //",
    "$load_id {seen: 1}",
    '\\"}) CALL { MATCH (n) DETACH DELETE n } //\nsecond line',
]


def test_hostile_strings_are_stored_verbatim_and_delete_nothing(
    neo4j_store: Neo4jStore, tmp_path: Path
) -> None:
    ids = [f"M{i}" for i in range(len(HOSTILE))]
    column = 'x"}) DETACH DELETE n //'
    tables = {
        "merchants": [["merchant_id", "name", column]]
        + [[m, h, h] for m, h in zip(ids, HOSTILE, strict=True)],
        "addresses": [["merchant_id", "address", "role"]]
        + [
            [m, f"{i} Rd {h}", "warehouse"]
            for i, (m, h) in enumerate(zip(ids, HOSTILE, strict=True))
        ]
        + [[m, 'Rm 1, 9 Main Rd"}) DETACH DELETE a //', "return"] for m in ids],
        "payment_accounts": [["merchant_id", "account", "holder"]]
        + [[m, f"6222 {h}", h] for m, h in zip(ids, HOSTILE, strict=True)],
        "identifiers": [["merchant_id", "kind", "value"]]
        + [[m, "email", f"{h}@x.cn"] for m, h in zip(ids, HOSTILE, strict=True)]
        + [[m, "device", "'; MATCH (n) DETACH DELETE n; //"] for m in ids],
        "listings": [["listing_id", "merchant_id", "title", "price"]]
        + [[f"L{h}", m, h, "1"] for m, h in zip(ids, HOSTILE, strict=True)],
    }
    dataset = read_dataset(write_csvs(tmp_path / "data", tables))
    memory = MemoryStore()
    expected = memory.load(dataset)
    assert neo4j_store.load(dataset) == expected
    counts = graph_counts(neo4j_store)
    assert counts["(:Merchant)"] == len(HOSTILE) and counts["(:Listing)"] == len(HOSTILE)
    assert_same_frames(store_frames(neo4j_store), store_frames(memory))
    merchants = neo4j_store.merchants().set_index("merchant_id")
    assert list(merchants["name"]) == HOSTILE and list(merchants[column]) == HOSTILE
    values = neo4j_store.read("read_identifier_values")
    assert set(HOSTILE) <= {v.removesuffix("@x.cn") for v in values["value"]}
    raw = set(neo4j_store.addresses()["address"])
    assert 'Rm 1, 9 Main Rd"}) DETACH DELETE a //' in raw
    assert neo4j_store.load(dataset) == expected
    assert graph_counts(neo4j_store) == counts


def _calls(tree: ast.AST, names: set[str]) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in names
        ):
            yield node


CYPHER_WORDS = ("MATCH", "MERGE", "CREATE", "DELETE", "SET ", "RETURN", "UNWIND", "CALL ")


NEO4J_MODULES = sorted(
    str(path.relative_to(ROOT)) for path in (ROOT / "graphring/stores/neo4j").glob("*.py")
)


@pytest.mark.parametrize("module", [*NEO4J_MODULES, "graphring/detect/gds.py"])
def test_every_query_is_a_file_and_every_value_a_parameter(module: str) -> None:
    source = (ROOT / module).read_text(encoding="utf-8")
    tree = ast.parse(source)
    files = {p.stem for p in (ROOT / "cypher").glob("*.cypher")}
    for call in _calls(tree, {"read", "write", "_write_in_batches", "_rows", "send"}):
        first = call.args[0]
        if isinstance(first, ast.Constant):
            assert first.value in files, (module, call.lineno, first.value)
        else:  # load steps' query names (the scheduler sends them), _rows's argument
            assert ast.unparse(first) in {"step.query", "name"}, (module, call.lineno)
    # the driver is only handed text read from cypher/ files, or a user's own text in the
    # read-only session of Neo4jStore.query
    for call in _calls(tree, {"execute_query"}):
        assert ast.unparse(call.args[0]) == "text", (module, call.lineno)
    for call in _calls(tree, {"_execute"}):
        assert ast.unparse(call.args[0]) in {"query(name)", "stmt"}, (module, call.lineno)
    for call in _calls(tree, {"run"}):
        if ast.unparse(call.func) == "session.run":
            assert ast.unparse(call.args[0]) in {"query(name)", "text", "f'EXPLAIN {text}'"}, (
                module,
                call.lineno,
            )
    # no query text is built: no f-string, format() or % with Cypher in it
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = ast.unparse(node).upper()
            assert not any(w in text for w in CYPHER_WORDS), (module, node.lineno, text)
        is_call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        if is_call and node.func.attr == "format":  # type: ignore[attr-defined]
            pytest.fail(f"{module}:{node.lineno}: str.format")
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
            for side in (node.left, node.right):
                if isinstance(side, ast.Constant) and isinstance(side.value, str):
                    assert not any(w in side.value.upper() for w in CYPHER_WORDS), (
                        module,
                        node.lineno,
                    )


def test_load_queries_exist_and_no_query_evaluates_text(tmp_path: Path) -> None:
    dataset = read_dataset(write_csvs(tmp_path, _shops_v1()))
    plain = read_dataset(write_csvs(tmp_path / "plain", _shops_v2()))
    names = {step.query for step in list(plan_steps(dataset))}
    names |= {step.query for step in list(plan_steps(dataset, {"Merchant", "Shipment", "Listing"}))}
    everything = {*DATA_LABELS, *DATA_TYPES}
    some = everything - {"Address"}  # a database holding addresses only
    names |= {step.query for step in list(plan_steps(plain, absent=some, parts=2))}
    tables = ["merchants", "addresses", "accounts", "identifiers", "shipments", "listings"]
    assert {n for n in names if n.endswith("_fresh")} == {f"load_{t}_fresh" for t in tables}
    first = {step.query for step in list(plan_steps(dataset, absent=everything, parts=2))}
    nodes = {f"first_{label}_nodes" for label in ["address", "account", "identifier"]}
    assert first == {f"first_{t}" for t in tables} | nodes
    names |= first
    for name in names:
        assert "UNWIND range(0, size($" in query(name), name
    for path in (ROOT / "cypher").glob("*.cypher"):
        text = path.read_text(encoding="utf-8")
        assert "apoc.cypher" not in text and "apoc.periodic" not in text, path.name


def test_safe_uri_drops_credentials() -> None:
    assert safe_uri("bolt://ann:s3cret@127.0.0.1:7687") == "bolt://127.0.0.1:7687"
    assert safe_uri("bolt://127.0.0.1:7687") == "bolt://127.0.0.1:7687"


# -- credentials and failures -------------------------------------------------------------------


@pytest.fixture
def secret_user(neo4j_settings: Settings) -> Iterator[tuple[str, str]]:
    """A user of its own with a distinctive password, dropped afterwards."""
    import neo4j

    name = "leak_test_" + uuid.uuid4().hex[:8]
    password = "Pw-" + uuid.uuid4().hex + "-zq"
    auth = (neo4j_settings.neo4j_user, neo4j_settings.neo4j_password)
    with neo4j.GraphDatabase.driver(neo4j_settings.neo4j_uri, auth=auth) as driver:
        driver.execute_query(
            "CREATE USER $name SET PASSWORD $password CHANGE NOT REQUIRED",
            name=name,
            password=password,
            database_="system",
        )
        try:
            yield name, password
        finally:
            driver.execute_query("DROP USER $name IF EXISTS", name=name, database_="system")


def test_credentials_never_appear_in_output_logs_or_run_folder(
    neo4j_store: Neo4jStore,
    neo4j_settings: Settings,
    secret_user: tuple[str, str],
    sample: SampleInfo,
    tmp_path: Path,
) -> None:
    user, password = secret_user
    out = tmp_path / "run"
    proc = cli(
        "-v",
        "detect",
        str(sample.data_dir),
        "--out",
        str(out),
        "--backend",
        "neo4j",
        "--neo4j-uri",
        neo4j_settings.neo4j_uri,
        env={"NEO4J_USER": user, "NEO4J_PASSWORD": password},
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "run.json").is_file() and any((out / "packets").iterdir())
    assert password not in proc.stdout and password not in proc.stderr
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 10
    for path in files:
        assert password.encode() not in path.read_bytes(), path
    # a refused password is not echoed either
    wrong = password + "-wrong"
    proc = cli(
        "load",
        str(sample.data_dir),
        "--backend",
        "neo4j",
        "--neo4j-uri",
        neo4j_settings.neo4j_uri,
        env={"NEO4J_USER": user, "NEO4J_PASSWORD": wrong},
    )
    assert proc.returncode == 1
    assert password not in proc.stdout + proc.stderr


def _one_line_error(proc: subprocess.CompletedProcess[str], elapsed: float) -> str:
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert elapsed < 30
    return lines[0]


def test_a_wrong_password_is_one_clear_line(neo4j_uri: str, sample: SampleInfo) -> None:
    wrong = "wrong-" + uuid.uuid4().hex
    t0 = time.monotonic()
    proc = cli(
        "load",
        str(sample.data_dir),
        "--backend",
        "neo4j",
        "--neo4j-uri",
        neo4j_uri,
        env={"NEO4J_PASSWORD": wrong},
        timeout=60,
    )
    line = _one_line_error(proc, time.monotonic() - t0)
    assert "refused the credentials" in line and "NEO4J_PASSWORD" in line
    assert wrong not in proc.stdout + proc.stderr


def test_an_unreachable_server_is_one_clear_line(sample: SampleInfo) -> None:
    t0 = time.monotonic()
    proc = cli(
        "detect",
        str(sample.data_dir),
        "--out",
        str(Path(sample.data_dir).parent / "never"),
        "--backend",
        "neo4j",
        "--neo4j-uri",
        "bolt://127.0.0.1:1",
        timeout=60,
    )
    line = _one_line_error(proc, time.monotonic() - t0)
    assert "cannot reach Neo4j at bolt://127.0.0.1:1" in line
    assert not (Path(sample.data_dir).parent / "never").exists()
