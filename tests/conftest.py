"""Shared fixtures. The Neo4j fixtures start the real server with scripts/neo4j (the same
script developers and CI use) unless GRAPHRING_TEST_NEO4J_URI points at one already."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from graphring.config import Settings
from graphring.sample import SampleInfo, write_sample
from graphring.stores.base import Store
from graphring.stores.memory import MemoryStore

ROOT = Path(__file__).resolve().parents[1]
NEO4J_PASSWORD = os.environ.get("NEO4J_PASSWORD", "graphring-test")


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleInfo:
    """A small sample marketplace (2,500 shops, seed 3) with its ground truth."""
    return write_sample(tmp_path_factory.mktemp("sample"), n_shops=2500, seed=3)


@pytest.fixture(scope="session")
def truth(sample: SampleInfo) -> pd.DataFrame:
    return pd.read_csv(sample.truth_dir / "groups.csv")


_SERVER: dict[str, str] = {}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say in the log which real Neo4j server the Neo4j tests ran against."""
    if not _SERVER:
        return
    terminalreporter.write_line(
        f"Neo4j tests ran against a real server ({_SERVER['started']}) at {_SERVER['uri']}: "
        f"{_SERVER['version']}"
    )


@pytest.fixture(scope="session")
def neo4j_uri() -> Iterator[str]:
    """The Bolt URI of a real Neo4j server; fails (never skips) when none can be had."""
    given = os.environ.get("GRAPHRING_TEST_NEO4J_URI")
    if given:
        yield given
        return
    proc = subprocess.run(
        [str(ROOT / "scripts" / "neo4j"), "start"], capture_output=True, text=True, timeout=1200
    )
    if proc.returncode != 0:
        pytest.fail(f"scripts/neo4j start failed:\n{proc.stdout}\n{proc.stderr}")
    uri = proc.stdout.strip().splitlines()[-1]
    started_here = "already running" not in proc.stderr
    _SERVER["uri"] = uri
    _SERVER["started"] = "started by scripts/neo4j" if started_here else "already running"
    import neo4j

    with neo4j.GraphDatabase.driver(uri, auth=("neo4j", NEO4J_PASSWORD)) as driver:
        records = driver.execute_query(
            "CALL dbms.components() YIELD name, versions RETURN name + ' ' + versions[0] AS v"
        ).records
    _SERVER["version"] = str(records[0]["v"])
    yield uri
    if started_here and os.environ.get("GRAPHRING_KEEP_NEO4J") != "1":
        subprocess.run([str(ROOT / "scripts" / "neo4j"), "stop"], capture_output=True, timeout=120)


@pytest.fixture(scope="session")
def neo4j_settings(neo4j_uri: str) -> Settings:
    return Settings(
        backend="neo4j", neo4j_uri=neo4j_uri, neo4j_password=NEO4J_PASSWORD, batch_size=5000
    )


@pytest.fixture
def neo4j_store(neo4j_settings: Settings) -> Iterator[Store]:
    """A Neo4j store on an empty database, emptied again afterwards."""
    from graphring.stores.neo4j import Neo4jStore

    store = Neo4jStore.connect(neo4j_settings)
    store.wipe()
    yield store
    store.wipe()
    store.close()


@pytest.fixture(params=["memory", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest) -> Store:
    """Each test body that takes ``store`` runs on the memory store and on real Neo4j."""
    if request.param == "memory":
        return MemoryStore()
    return request.getfixturevalue("neo4j_store")


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run ``graphring ARGS`` as a user would, in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "graphring.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


def write_tables(folder: Path, tables: dict[str, str]) -> Path:
    """Write CSV texts (name -> content) into a data folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def process_pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every process pool graphring starts during the test, in order."""
    from concurrent.futures import ProcessPoolExecutor

    from graphring import parallel

    pools: list[int] = []

    class Pool(ProcessPoolExecutor):
        def __init__(self, max_workers: int, **kw: Any) -> None:
            pools.append(max_workers)
            super().__init__(max_workers, **kw)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", Pool)
    return pools
