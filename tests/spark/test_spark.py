"""The whole job on a real Spark session (``local[2]``, Java 17): the same answer as the
embedded store, the reader's line numbers and rejects, components, and the command line.

What Spark adds to the suite: measured 2026-11-30 on this project's 2-core machine while
it was shared (load average 8-14): the parity fixture 175 s (both runs with places and
calibrated weights on), the scheduled runs with verdicts 97 s, the reader 56 s,
components 35 s, the CLI in a fresh JVM 91 s (about 8 minutes in all). The test of the
order of checks, added 2026-11-30, took 61 s run alone with the session's start (load 4-8);
the whole file took 299 s that day (load 3-6, the other tests running beside it).
Each Spark run of a 2,500-shop sample is a few hundred small jobs, so the cost is
Spark's per-job overhead, which a loaded machine multiplies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components as scipy_components

from graphring.config import Settings
from graphring.contract import read_dataset
from graphring.jobs import scheduled_run, set_ring_status
from graphring.pipeline import RunResult, run_pipeline
from graphring.sample import EverydaySharing, SampleInfo, write_sample
from graphring.stores.memory import MemoryStore
from tests.conftest import run_cli, write_tables
from tests.e2e.test_feedback import _data as households

pytestmark = pytest.mark.spark

#: The defaults: places matched, kind weights calibrated (louvain: the same engine whether
#: igraph is installed or not).
SETTINGS = Settings(engine="louvain", workers=1)
#: Small and quiet: two cores, two shuffle partitions, no web UI.
TEST_CONF = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.driver.memory": "1g",
}


@pytest.fixture(scope="session")
def spark_store() -> Iterator[object]:
    from graphring.spark.store import SparkStore

    store = SparkStore.connect(SETTINGS.replace(spark_master="local[2]"), TEST_CONF)
    yield store
    store.session.stop()


@pytest.fixture(scope="session")
def rich(tmp_path_factory: pytest.TempPathFactory) -> SampleInfo:
    """2,500 shops with everyday honest sharing (a giant component, services, co-working
    spaces) and one group of each pattern (drifting addresses among them): places are
    matched, services found and every kind's weight calibrated, most of them down."""
    folder = tmp_path_factory.mktemp("rich")
    return write_sample(folder, n_shops=2500, seed=3, sharing=EverydaySharing(), patterns=1)


@pytest.fixture(scope="session")
def both(spark_store: object, rich: SampleInfo) -> tuple[RunResult, RunResult]:
    """The rich sample run on the embedded store and on Spark, once for the tests below."""
    memory = run_pipeline(rich.data_dir, SETTINGS)
    spark = run_pipeline(rich.data_dir, SETTINGS.replace(backend="spark"), spark_store)  # type: ignore[arg-type]
    return memory, spark


def test_spark_gives_the_embedded_answer(both: tuple[RunResult, RunResult]) -> None:
    """Identical rings, members, scores and reasons, evidence, leads, shop risk and rejects."""
    memory, spark = both
    for name in [
        "rings",
        "members",
        "ring_reasons",
        "evidence",
        "leads",
        "merchants",
        "supernodes",
        "rejects",
    ]:
        pd.testing.assert_frame_equal(
            getattr(memory, name), getattr(spark, name), check_dtype=False, obj=name
        )
    assert memory.counts == spark.counts
    assert spark.engine == memory.engine == "louvain"
    # the kind weights, calibrated over the whole marketplace, and the services found
    assert memory.links is not None and spark.links is not None
    pd.testing.assert_frame_equal(memory.links.weights, spark.links.weights, check_dtype=False)
    pd.testing.assert_frame_equal(memory.services, spark.services, check_dtype=False)
    weights = spark.links.weights.set_index("label")
    assert (weights["chance_factor"] < 1).sum() >= 4 and len(spark.services) >= 2
    assert spark.counts["places_matched"] >= 2
    assert "place" in set(spark.evidence["kind"])
    # the sample's broken rows set aside
    assert len(spark.rings) >= 10 and spark.counts["rejected_rows"] >= 1


def test_the_driver_holds_the_rings_shops_only(
    both: tuple[RunResult, RunResult], sample: SampleInfo
) -> None:
    """What packets draw on is the ring members' rows, and the same rows as the embedded
    store has for them."""
    memory, spark = both
    shops = set(spark.members["merchant_id"])
    assert set(spark.tables["merchants"]["merchant_id"]) == shops
    assert len(spark.tables["merchants"]) < spark.counts["tables"]["merchants"]["loaded"] / 4
    for name, key in [("shipments", "shipment_id"), ("listings", "listing_id")]:
        mine = memory.tables[name].loc[memory.tables[name]["merchant_id"].isin(shops)]
        pd.testing.assert_frame_equal(
            mine.reset_index(drop=True), spark.tables[name], check_dtype=False, obj=name
        )
        assert spark.tables[name][key].is_unique


def test_line_numbers_and_rejects_match_across_partitions(
    spark_store: object, tmp_path: Path
) -> None:
    """A file read in many splits still numbers its rows as the file does; every kind of
    reject (empty id, bad number and date, unknown shop, duplicate, no key) comes out as the
    embedded reader gives it, and an all-number extra column stays a number."""
    from graphring.spark.read import read_dataset_spark

    rows = ["merchant_id,name,rating,opened_on,floor_space"]
    for i in range(400):
        rating = "4.5" if i != 150 else "four"
        opened = "2025-01-02" if i != 260 else "2025-13-40"
        mid = f"M{i:04d}" if i not in (300, 301) else ("" if i == 300 else "M0002")
        rows.append(f"{mid},Shop {i},{rating},{opened},{10 + i}")
    data = write_tables(
        tmp_path / "data",
        {
            "merchants": "\n".join(rows) + "\n",
            "payment_accounts": "merchant_id,account\nM0001,6222-0001\nM9999,1\nM0003,---\n"
            "M0004, 6222 0001 \n",
            "identifiers": "merchant_id,kind,value\nM0001,phone,138 0013 8000\nM0002,Bad Kind,x\n"
            "M0003,phone,+86 13800138000\n",
        },
    )
    session = spark_store.session  # type: ignore[attr-defined]
    session.conf.set("spark.sql.files.maxPartitionBytes", "2048")
    try:
        spark = read_dataset_spark(session, str(data))
        n_parts = session.read.csv(str(data / "merchants.csv")).rdd.getNumPartitions()
    finally:
        session.conf.unset("spark.sql.files.maxPartitionBytes")
    assert n_parts >= 3
    memory = read_dataset(data)
    pd.testing.assert_frame_equal(memory.rejects, spark.rejects, check_dtype=False)
    assert set(memory.rejects["reason"]) >= {
        "empty merchant_id",
        "rating is not a number",
        "opened_on is not a date (YYYY-MM-DD)",
        "unknown merchant_id",
        "duplicate merchant_id (first on line 4)",
        "account has no letters or digits to identify it",
        "kind must be one lowercase word (e.g. phone)",
    }
    for name, key in [("merchants", "merchant_id"), ("payment_accounts", "_line")]:
        mine = memory.tables[name].sort_values(key).reset_index(drop=True)
        theirs = spark.tables[name].toPandas().sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(
            mine, theirs[mine.columns], check_dtype=False, check_datetimelike_compat=True, obj=name
        )
    assert spark.counts() == memory.counts()


def test_rejects_come_in_the_embedded_readers_order_of_checks(
    spark_store: object, tmp_path: Path
) -> None:
    """A row fails the checks in the embedded reader's order: row checks, unknown shop,
    duplicate id, then a value with no key left; only the first failure is reported. A
    repeated id whose first row has no key is still a duplicate of that row, and whether an
    extra column is all numbers is decided before rows without a key are set aside."""
    from graphring.spark.read import read_dataset_spark

    data = write_tables(
        tmp_path / "data",
        {
            "merchants": "merchant_id,name\nM1,One\nM2,Two\nM3,Three\n",
            "payment_accounts": "merchant_id,account\nM9,---\nM1,---\nM2,6222 0001\n",
            "shipments": "shipment_id,merchant_id,origin,sender_phone,weight\n"
            "S1,M1,---,,x\n"  # no key for origin
            "S1,M1,Road 1,,2\n"  # a duplicate of line 2, not a row of its own
            "S2,M9,---,,y\n"  # unknown shop (its origin is not reported)
            "S3,M2,Road 2,---,3\n"  # no key for the phone
            ",M2,Road 9,,4\n"  # empty id
            "S4,M3,Road 3,,5\n",
        },
    )
    session = spark_store.session  # type: ignore[attr-defined]

    def held() -> set[int]:
        """Ids of the RDDs Spark holds now (other tests' leftovers may go meanwhile)."""
        return set(session.sparkContext._jsc.getPersistentRDDs().keys())

    before = held()
    spark = read_dataset_spark(session, str(data))
    memory = read_dataset(data)
    pd.testing.assert_frame_equal(memory.rejects, spark.rejects, check_dtype=False)
    got = spark.rejects.set_index(["file", "line"])["reason"].to_dict()
    assert got == {
        ("payment_accounts.csv", 2): "unknown merchant_id",
        ("payment_accounts.csv", 3): "account has no letters or digits to identify it",
        ("shipments.csv", 2): "origin has no letters or digits to identify it",
        ("shipments.csv", 3): "duplicate shipment_id (first on line 2)",
        ("shipments.csv", 4): "unknown merchant_id",
        ("shipments.csv", 5): "sender_phone has no letters or digits to identify it",
        ("shipments.csv", 6): "empty shipment_id",
    }
    shipments = spark.tables["shipments"].toPandas()
    assert shipments["shipment_id"].tolist() == ["S4"]
    assert shipments["weight"].tolist() == ["5"]  # "x" on line 2 keeps the column text
    pd.testing.assert_frame_equal(
        memory.tables["shipments"], shipments[memory.tables["shipments"].columns], check_dtype=False
    )
    assert spark.counts() == memory.counts()
    # each file's rows are held once, and a run gives them back when it ends
    mine = held() - before
    assert len(mine) == len(spark.sources) == 3
    spark.unpersist()
    assert not held() & mine


def test_components_on_spark_match_scipy(spark_store: object) -> None:
    """Large-star/small-star finds every component, labelled by its smallest node."""
    from graphring.spark.components import connected_components

    rng = np.random.default_rng(5)
    src = rng.integers(0, 3000, 2500)
    dst = rng.integers(0, 3000, 2500)
    # a long path as well: the worst case for label propagation
    path = np.arange(5000, 5600)
    src = np.concatenate([src, path[:-1]])
    dst = np.concatenate([dst, path[1:]])
    session = spark_store.session  # type: ignore[attr-defined]
    edges = session.createDataFrame(pd.DataFrame({"src": src, "dst": dst}), "src long, dst long")
    got = connected_components(edges).toPandas().set_index("node")["component"].sort_index()
    nodes = np.unique(np.concatenate([src, dst]))
    index = pd.Index(nodes)
    adj = coo_matrix(
        (np.ones(len(src)), (index.get_indexer(src), index.get_indexer(dst))),
        shape=(len(nodes), len(nodes)),
    )
    _, label = scipy_components(adj, directed=False)
    smallest = pd.Series(nodes).groupby(label).transform("min").to_numpy()
    expected = pd.Series(smallest, index=nodes).sort_index()
    np.testing.assert_array_equal(got.index.to_numpy(), expected.index.to_numpy())
    np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())


def test_scheduled_runs_on_spark_keep_ring_ids_and_weigh_verdicts(
    spark_store: object, tmp_path: Path
) -> None:
    """`graphring run --backend spark`: a run folder under the workspace, ring ids kept, and
    investigators' verdicts re-weighing kinds as on the embedded store: four households
    sharing an IP dismissed, the IP weighs half and only the account-and-device group is
    a ring next time."""
    data = households(tmp_path / "data")
    settings = SETTINGS.replace(backend="spark")
    ws, mem_ws = tmp_path / "ws", tmp_path / "mem-ws"
    first = scheduled_run(data, ws, settings, spark_store)  # type: ignore[arg-type]
    memory = scheduled_run(data, mem_ws, SETTINGS, MemoryStore())
    rings = first.result.rings
    assert set(rings["ring_id"]) == set(memory.result.rings["ring_id"]) and len(rings) == 5
    for rid in rings.loc[rings["kinds"] == "ip", "ring_id"]:
        set_ring_status(ws, rid, "dismissed", note="a household", by="test")
        set_ring_status(mem_ws, rid, "dismissed", note="a household", by="test")
    second = scheduled_run(data, ws, settings, spark_store)  # type: ignore[arg-type]
    memory = scheduled_run(data, mem_ws, SETTINGS, MemoryStore())
    assert second.result.changes and second.result.changes["previous_run"] == first.result.run_id
    assert second.result.rings["kinds"].tolist() == ["account,device"]
    assert second.result.rings["ring_id"].tolist() == memory.result.rings["ring_id"].tolist()
    run = json.loads((ws / "latest" / "run.json").read_text())
    assert {w["label"]: w["weight"] for w in run["kind_weights"]}["ip"] == 0.15
    assert run["counts"]["feedback"]["rings"] == {"confirmed": 0, "dismissed": 4}
    assert second.result.links is not None and memory.result.links is not None
    pd.testing.assert_frame_equal(
        second.result.links.weights, memory.result.links.weights, check_dtype=False
    )


def test_cli_detect_on_spark_writes_the_run_folder(sample: SampleInfo, tmp_path: Path) -> None:
    """`graphring detect DATA --out DIR --backend spark` in a fresh process, as a user runs it."""
    out = tmp_path / "run"
    proc = run_cli(
        "detect",
        str(sample.data_dir),
        "--out",
        str(out),
        "--backend",
        "spark",
        "--engine",
        "louvain",
        env={
            "GRAPHRING_SPARK_MASTER": "local[2]",
            "PYSPARK_SUBMIT_ARGS": "--conf spark.ui.enabled=false "
            "--conf spark.sql.shuffle.partitions=2 pyspark-shell",
        },
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "rings from 2501 shops (2 rows set aside in rejects.csv, 1 bad values left empty)" in (
        proc.stdout
    )
    for name in ["rings.csv", "rings.json", "merchants.csv", "leads.csv", "run.json"]:
        assert (out / name).is_file(), name
    for name in ["rejects.csv", "index.html"]:
        assert (out / name).is_file(), name
    run = json.loads((out / "run.json").read_text())
    assert run["parameters"]["backend"] == "spark"
    assert run["parameters"]["spark_master"] == "local[2]"
    rings = pd.read_csv(out / "rings.csv")
    assert sorted(p.name for p in (out / "packets").iterdir()) == sorted(rings["ring_id"].unique())


def test_a_missing_pyspark_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from graphring import spark
    from graphring.errors import ConfigError

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyspark" else real(name)
    )
    with pytest.raises(ConfigError, match=r"pip install 'graphring\[spark\]'"):
        spark.require_pyspark()


def test_places_matched_block_by_block_are_the_places_of_the_whole(rich: SampleInfo) -> None:
    """What Spark relies on to match places per group: blocks dealt apart in any grouping
    give the places matching every address at once gives."""
    from graphring.places import match_places, place_blocks

    keys = read_dataset(rich.data_dir).tables["addresses"]["key"].drop_duplicates()
    # a few look-alike spellings too: a typo, a missing room, another street number
    keys = pd.concat(
        [
            keys,
            pd.Series(
                [
                    "room 5 12 xinhua road district 3 wuhan",
                    "12 xinhva road district 3 wuhan",
                    "13 xinhua road district 3 wuhan",
                ]
            ),
        ],
        ignore_index=True,
    )
    whole = match_places(keys).sort_values("key").reset_index(drop=True)
    blocks = place_blocks(keys)
    groups = pd.factorize(blocks)[0] % 3
    parts = [match_places(keys[(groups == g) & (blocks != "").to_numpy()]) for g in range(3)]
    apart = pd.concat(parts, ignore_index=True).sort_values("key").reset_index(drop=True)
    pd.testing.assert_frame_equal(whole, apart, check_dtype=False)
    assert len(whole) >= 2
    assert "12 xinhva road district 3 wuhan" in set(whole["key"])
    assert "13 xinhua road district 3 wuhan" not in set(whole["key"])
