"""The Neo4j database guarded against a user's slip and against two runs at once, on the
real server: a small load does not wipe the other shops; a second run gets exit 75."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graphring.sample import SampleInfo
from graphring.stores.base import Store
from tests.conftest import NEO4J_PASSWORD, write_tables
from tests.conftest import run_cli as graphring

pytestmark = pytest.mark.neo4j


def _cli(uri: str, *args: str) -> subprocess.CompletedProcess[str]:
    return graphring(
        *args, "--backend", "neo4j", "--neo4j-uri", uri, env={"NEO4J_PASSWORD": NEO4J_PASSWORD}
    )


def _shops(store: Store) -> int:
    return store.data_counts()["Merchant"]  # type: ignore[attr-defined]


SMALL = {
    "merchants": "merchant_id,name\nS1,a\nS2,b\nS3,c\n",
    "payment_accounts": "merchant_id,account\nS1,1111\nS2,1111\nS3,1111\n",
}


def test_a_small_load_refuses_to_remove_most_shops(
    neo4j_store: Store, neo4j_uri: str, sample: SampleInfo, tmp_path: Path
) -> None:
    assert _cli(neo4j_uri, "load", str(sample.data_dir)).returncode == 0
    shops = _shops(neo4j_store)
    assert shops > 2000
    small = write_tables(tmp_path / "small", SMALL)
    for command in (["load", str(small)], ["detect", str(small), "--out", str(tmp_path / "o")]):
        proc = _cli(neo4j_uri, *command)
        assert proc.returncode == 2, proc.stderr
        assert f"would remove {shops:,} of the {shops:,} shops" in proc.stderr
        assert "--replace" in proc.stderr and "Traceback" not in proc.stderr
        assert _shops(neo4j_store) == shops
    assert not (tmp_path / "o").exists()
    # the user says so: the database mirrors the small folder
    proc = _cli(neo4j_uri, "load", str(small), "--replace")
    assert proc.returncode == 0, proc.stderr
    assert _shops(neo4j_store) == 3


def test_a_load_that_removes_less_than_half_goes_on(
    neo4j_store: Store, neo4j_uri: str, tmp_path: Path
) -> None:
    ids = [f"M{i}" for i in range(10)]
    full = write_tables(
        tmp_path / "full", {"merchants": "merchant_id,name\n" + "".join(f"{m},x\n" for m in ids)}
    )
    most = write_tables(
        tmp_path / "most",
        {"merchants": "merchant_id,name\n" + "".join(f"{m},x\n" for m in ids[:5])},
    )
    assert _cli(neo4j_uri, "load", str(full)).returncode == 0
    proc = _cli(neo4j_uri, "load", str(most))  # removes 5 of 10: not more than half
    assert proc.returncode == 0, proc.stderr
    assert _shops(neo4j_store) == 5


def test_a_second_run_on_a_held_database_exits_75(
    neo4j_store: Store, neo4j_uri: str, tmp_path: Path
) -> None:
    data = write_tables(tmp_path / "data", SMALL)
    with neo4j_store.exclusive():
        started = time.monotonic()
        for command in (["load", str(data)], ["detect", str(data), "--out", str(tmp_path / "o")]):
            proc = _cli(neo4j_uri, *command)
            assert proc.returncode == 75, proc.stderr
            assert "another graphring run is using the Neo4j database" in proc.stderr
        assert time.monotonic() - started < 60
        assert _shops(neo4j_store) == 0 and not (tmp_path / "o").exists()
    proc = _cli(neo4j_uri, "detect", str(data), "--out", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    assert _shops(neo4j_store) == 3


def test_a_killed_holder_frees_the_database(
    neo4j_store: Store, neo4j_uri: str, tmp_path: Path
) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from graphring.config import Settings\n"
            "from graphring.stores.neo4j import Neo4jStore\n"
            "s = Neo4jStore.connect(Settings(backend='neo4j', neo4j_uri=sys.argv[1], "
            "neo4j_password=sys.argv[2]))\n"
            "with s.exclusive():\n"
            "    print('held', flush=True)\n"
            "    time.sleep(600)\n",
            neo4j_uri,
            NEO4J_PASSWORD,
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        data = write_tables(tmp_path / "data", SMALL)
        assert _cli(neo4j_uri, "load", str(data)).returncode == 75
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
        proc = _cli(neo4j_uri, "load", str(data))
        assert proc.returncode == 0, proc.stderr
        assert _shops(neo4j_store) == 3
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
