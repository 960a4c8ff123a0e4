"""Neo4j load throughput, read-back times, and in-database detection quality.

Load (default): make a sample marketplace, read it, load it into an empty Neo4j database,
then load it again (the idempotent reload), and read it back as the pipeline does:

    python benchmarks/neo4j_load.py --shops 200000 --batch-size 5000 10000 20000
    python benchmarks/neo4j_load.py --shops 200000 --sessions 1 2

Quality: planted-ring recovery of GDS communities (in the database) against python-louvain
(local), on the same marketplaces:

    python benchmarks/neo4j_load.py --quality --shops 5000 --seeds 11 23 37

The server is NEO4J_URI (user NEO4J_USER, password NEO4J_PASSWORD, default graphring-test)
or, when NEO4J_URI is unset, the local one scripts/neo4j starts (and stops again if it
started it; NEO4J_HEAP 4g and NEO4J_PAGECACHE 2g unless set). The benchmark wipes the
database it is pointed at: never point it at data you want to keep.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

import graphring.pipeline as pipeline
from graphring.config import Settings
from graphring.contract import read_dataset
from graphring.detect import gds
from graphring.evaluate import evaluate
from graphring.linking import build_links
from graphring.sample import write_sample
from graphring.stores.memory import MemoryStore
from graphring.stores.neo4j import LOAD_SESSIONS, Neo4jStore

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def neo4j_uri() -> Iterator[str]:
    """NEO4J_URI, or the local server of scripts/neo4j (stopped again if started here)."""
    given = os.environ.get("NEO4J_URI")
    if given:
        yield given
        return
    script = str(ROOT / "scripts" / "neo4j")
    env = {  # the sizes the figures in docs/neo4j.md were measured with
        **os.environ,
        "NEO4J_HEAP": os.environ.get("NEO4J_HEAP", "4g"),
        "NEO4J_PAGECACHE": os.environ.get("NEO4J_PAGECACHE", "2g"),
    }
    proc = subprocess.run([script, "start"], capture_output=True, text=True, timeout=1200, env=env)
    if proc.returncode != 0:
        sys.exit(f"scripts/neo4j start failed:\n{proc.stderr}")
    started = "already running" not in proc.stderr
    try:
        yield proc.stdout.strip().splitlines()[-1]
    finally:
        if started:
            subprocess.run([script, "stop"], capture_output=True, timeout=120)


def settings_for(uri: str, **changes: Any) -> Settings:
    return Settings(
        backend="neo4j",
        neo4j_uri=uri,
        neo4j_user=os.environ.get("NEO4J_USER", "neo4j"),
        neo4j_password=os.environ.get("NEO4J_PASSWORD", "graphring-test"),
        **changes,
    )


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def print_load(store: Neo4jStore, what: str, seconds: float) -> None:
    report = store.last_load
    assert report is not None
    total = sum(report.rows.values())
    print(f"  {what}: {total:,} rows in {seconds:.1f} s = {total / seconds:,.0f} rows/s")
    if store.sessions > 1:
        print(f"    (seconds per table add up each table's steps; {store.sessions} sessions")
        print("     run steps side by side, so they add up to more than the load took)")
    for table, rows in report.rows.items():
        s = report.seconds[table]
        rate = f"{rows / s:>9,.0f} rows/s" if s else ""
        print(f"    {table:17s} {rows:>10,} rows {s:7.1f} s {rate}")
    for label, nodes in report.created.items():  # a first load: shared nodes made up front
        print(f"    {label:17s} {nodes:>10,} new  {report.seconds[label]:7.1f} s")
    print(f"    {'mirror step':17s} {report.seconds.get('mirror', 0):18.1f} s")
    if report.absent:
        print(f"    created afresh (CREATE, not MERGE): {', '.join(report.absent)}")


def load_benchmark(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp, neo4j_uri() as uri:
        (_, t_gen) = timed(write_sample, tmp, args.shops, args.seed)
        dataset, t_read = timed(read_dataset, Path(tmp) / "data")
        rows = sum(len(t) for t in dataset.tables.values())
        print(
            f"{args.shops:,} shops, {rows:,} rows: generated in {t_gen:.1f} s, "
            f"read and normalized in {t_read:.1f} s"
        )
        for size, sessions in itertools.product(args.batch_size, args.sessions):
            print(f"batch size {size:,}, {sessions} session(s)")
            with Neo4jStore.connect(settings_for(uri, batch_size=size)) as store:
                assert isinstance(store, Neo4jStore)
                store.sessions = sessions
                _, t_wipe = timed(store.wipe)
                print(f"  wiped the database in {t_wipe:.1f} s")
                counts, t = timed(store.load, dataset)
                print_load(store, "first load (empty database)", t)
                rels = store.read("count_relationships")
                print(
                    f"  graph: {sum(counts.values()):,} nodes, {int(rels['n'].sum()):,} "
                    "relationships ("
                    + ", ".join(f"{r.type} {r.n:,}" for r in rels.itertuples())
                    + ")"
                )
                again, t = timed(store.load, dataset)
                print_load(store, "reload (same folder)", t)
                assert again == counts, (counts, again)
        print("reading back (as the pipeline does)")
        with Neo4jStore.connect(settings_for(uri)) as store:
            assert isinstance(store, Neo4jStore)
            frames = {}
            for name in ["merchants", "holdings", "listings", "shipments", "addresses"]:
                frames[name], t = timed(getattr(store, name))
                print(f"  {name:10s} {len(frames[name]):>10,} rows {t:6.1f} s")
            settings = settings_for(uri)
            links, t = timed(build_links, frames["holdings"], len(frames["merchants"]), settings)
            print(f"  links in Python   {len(links.edges):>10,} pairs {t:6.1f} s")
            edges, t = timed(gds.merchant_links, store, settings)
            print(f"  links in Cypher   {len(edges):>10,} pairs {t:6.1f} s")
            if gds.gds_available(store):
                for algorithm in gds.ALGORITHMS:
                    part, t = timed(gds.detect_in_database, store, settings, algorithm)
                    print(
                        f"  gds {algorithm:8s}      {part.members['group'].nunique():>10,} "
                        f"groups {t:5.1f} s"
                    )


def rings_of(result: pipeline.RunResult) -> set[frozenset[str]]:
    core = result.members.loc[result.members["core"]]
    return set(core.groupby("ring_id")["merchant_id"].apply(frozenset))


def quality_benchmark(args: argparse.Namespace) -> None:
    rows = []
    with neo4j_uri() as uri, Neo4jStore.connect(settings_for(uri)) as store:
        assert isinstance(store, Neo4jStore)
        for seed in args.seeds:
            with tempfile.TemporaryDirectory() as tmp:
                info = write_sample(tmp, n_shops=args.shops, seed=seed)
                truth = pd.read_csv(info.truth_dir / "groups.csv")
                dataset = read_dataset(info.data_dir)
                settings = settings_for(uri, engine="louvain")
                local, t = timed(pipeline.run_pipeline, dataset, settings, MemoryStore())
                rows.append(row(args.shops, seed, "local python-louvain", local, truth, t, local))
                store.wipe()
                for algorithm in gds.ALGORITHMS:
                    # cut with GDS whatever the settings say: a detection of its own
                    detection = gds.GdsDetection(store, settings, algorithm)
                    result, t = timed(
                        pipeline.run_pipeline, dataset, settings, store, detection=detection
                    )
                    rows.append(
                        row(args.shops, seed, f"gds {algorithm} (Neo4j)", result, truth, t, local)
                    )
    frame = pd.DataFrame(rows)
    print(frame.to_markdown(index=False) if _has_tabulate() else frame.to_string(index=False))


def row(
    shops: int,
    seed: int,
    engine: str,
    result: pipeline.RunResult,
    truth: pd.DataFrame,
    seconds: float,
    local: pipeline.RunResult,
) -> dict[str, Any]:
    q = evaluate(result, truth)
    return {
        "shops": shops,
        "seed": seed,
        "detection": engine,
        "planted": q.planted,
        "recovered": q.recovered,
        "recall": q.recall,
        "average_precision": q.average_precision,
        "precision_at_50": q.precision_at_50,
        "rings": q.rings,
        "same_rings_as_local": rings_of(result) == rings_of(local),
        "seconds": round(seconds, 1),
    }


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--shops", type=int, default=None, help="default 200000 (5000 with --quality)")
    ap.add_argument("--seed", type=int, default=7, help="sample seed of the load benchmark")
    ap.add_argument("--batch-size", type=int, nargs="+", default=[Settings().batch_size])
    ap.add_argument(
        "--sessions", type=int, nargs="+", default=[LOAD_SESSIONS], help="sessions per load"
    )
    ap.add_argument("--quality", action="store_true", help="GDS vs local detection quality")
    ap.add_argument("--seeds", type=int, nargs="+", default=[11, 23, 37])
    args = ap.parse_args()
    if args.quality:
        args.shops = args.shops or 5000
        quality_benchmark(args)
    else:
        args.shops = args.shops or 200_000
        load_benchmark(args)


if __name__ == "__main__":
    main()
