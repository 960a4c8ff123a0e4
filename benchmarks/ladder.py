"""The size ladder: generate marketplaces of 10k, 100k and 1M shops, time every stage on
the embedded store, and load each into Neo4j and cut its rings there.

    python benchmarks/ladder.py                       # 10k, 100k, 1M; memory, then Neo4j
    python benchmarks/ladder.py --stores memory --sizes 10000 100000 --engine louvain
    python benchmarks/ladder.py --keep /tmp/markets       # reuse generated marketplaces
    python benchmarks/ladder.py --write /tmp/ladder.md     # also write the tables there

Embedded store: each size runs in a fresh process (so peak memory is that run's own):
read and validate (with normalization), load, link, detect, score, leads, export.
Generation is timed apart. "CPU s" adds the run's processes' CPU time (above the total
when work ran in several processes). "peak MB" is the run process's resident peak; "all
processes peak MB" the peak of the run and its forked workers together, sampled 5 times
a second as summed Pss (a page shared after the fork counts once, split between the
processes sharing it).

Neo4j: per size, a fresh process reads the data folder, loads it into an empty database
(the first load: what `graphring load DATA --backend neo4j` runs), loads it again (the
reload: nothing changes), and cuts rings in the database with GDS Louvain and Leiden (what
`--detection gds-louvain|gds-leiden` runs, links computed in Cypher included). Rows per
second count the rows a load sends. The server first loads a marketplace of --warmup
shops (default 20,000, about 10 s; 0: none) twice and wipes it, so the figures are not
those of query compilation and JIT warm-up on a fresh server (a just-started server loads
100k shops at about 36,000 rows/s, and needs a few loads to reach its pace). The server
is NEO4J_URI (user NEO4J_USER, password NEO4J_PASSWORD, default graphring-test; its
database is wiped), or else a scripts/neo4j
server started afresh for each size (in GRAPHRING_NEO4J_HOME when set) and stopped after
it, with NEO4J_HEAP (default 4g) and NEO4J_PAGECACHE (default 6g per million shops, 1g at
least).

Benchmarks never fail on time; they print what they measured, with the load average.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from graphring.config import Settings
from graphring.pipeline import run_pipeline
from graphring.rundir.write import write_run
data, out, engine, packets = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
t0 = time.perf_counter()
result = run_pipeline(data, Settings(engine=engine))
t1 = time.perf_counter()
write_run(result, out, packets=packets)
t2 = time.perf_counter()
stages = dict(result.timings)
stages["export"] = round(t2 - t1, 3)
own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"stages": stages, "total": round(t2 - t0, 2), "engine": result.engine,
                  "rings": len(result.rings), "links": result.counts["links"],
                  "processes": result.settings.processes(),
                  "cpu_s": round(own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime, 1),
                  "peak_mb": own.ru_maxrss // 1024, "child_peak_mb": kids.ru_maxrss // 1024}))
"""


NEO4J_CHILD = r"""
import json, os, resource, sys, time
from graphring.detect import gds
from graphring.config import load_settings
from graphring.contract import read_dataset
from graphring.stores.neo4j import Neo4jStore
data, uri, warmup = sys.argv[1], sys.argv[2], sys.argv[3]
# GRAPHRING_* settings apply (e.g. GRAPHRING_BATCH_SIZE); scripts/neo4j's password default
settings = load_settings(backend="neo4j", neo4j_uri=uri,
                         neo4j_password=os.environ.get("NEO4J_PASSWORD", "graphring-test"))
out = {"batch_size": settings.batch_size}
t = time.perf_counter()
dataset = read_dataset(data)
out["read_s"] = round(time.perf_counter() - t, 1)
with Neo4jStore.connect(settings) as store:
    out["sessions"] = store.sessions
    if warmup:
        small = read_dataset(warmup)
        store.wipe()
        store.load(small)
        store.load(small)
    store.wipe()
    for name in ["first", "reload"]:
        t = time.perf_counter()
        counts = store.load(dataset)
        report = store.last_load
        out[name] = {"s": round(time.perf_counter() - t, 1), "rows": sum(report.rows.values()),
                     "mirror_s": round(report.seconds.get("mirror", 0.0), 1)}
    out["nodes"] = sum(counts.values())
    out["relationships"] = int(store.read("count_relationships")["n"].sum())
    for algorithm in gds.ALGORITHMS:
        t = time.perf_counter()
        try:
            part = gds.detect_in_database(store, settings, algorithm)
        except Exception as e:  # e.g. the server's memory: the table says so
            out["gds_" + algorithm] = {"s": None, "rings": None, "error": str(e)[:300]}
            continue
        core = part.members.loc[part.members["core"]]
        out["gds_" + algorithm] = {"s": round(time.perf_counter() - t, 1),
                                   "rings": int(core["group"].nunique())}
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps(out))
"""
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "neo4j"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem_gb:.0f} GiB, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def _generate(folder: Path, shops: int, seed: int) -> None:
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from graphring.sample import write_sample; "
            "write_sample(sys.argv[1], n_shops=int(sys.argv[2]), seed=int(sys.argv[3]))",
            str(folder),
            str(shops),
            str(seed),
        ],
        check=True,
    )


def market(shops: int, seed: int, keep: Path | None, tmp: str) -> tuple[Path, float | None]:
    """The data folder of a ``shops``-shop marketplace (kept in ``keep`` and reused when
    given), and the seconds generating it took (None when reused)."""
    folder = keep / f"{shops}-seed{seed}" if keep else Path(tmp)
    if keep and (folder / "data" / "merchants.csv").exists():
        print(f"reusing the marketplace in {folder}", file=sys.stderr)
        return folder / "data", None
    t = time.perf_counter()
    _generate(folder, shops, seed)
    return folder / "data", round(time.perf_counter() - t, 1)


def run_size(
    shops: int, engine: str, packets: bool, keep: Path | None = None, seed: int = 1
) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        data, generated = market(shops, seed, keep, tmp)
        rows = sum(max(0, p.read_bytes().count(b"\n") - 1) for p in data.glob("*.csv"))
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                CHILD,
                str(data),
                str(Path(tmp) / "run"),
                engine,
                "1" if packets else "0",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        peak = [0]
        watch = threading.Thread(target=_watch_memory, args=(child, peak), daemon=True)
        watch.start()
        stdout, stderr = child.communicate()
        watch.join()
        if child.returncode != 0:
            raise SystemExit(f"the run of {shops} shops failed:\n{stderr}")
        out = json.loads(stdout.strip().splitlines()[-1])
        return {
            "shops": shops,
            "rows": rows,
            "generate_s": generated,
            **out,
            "all_processes_peak_mb": peak[0] // 1024,
            "load_avg": round(os.getloadavg()[0], 2),
        }


class Neo4jServer:
    """NEO4J_URI, or a fresh scripts/neo4j server per size (stopped after it)."""

    def __init__(self) -> None:
        self.given = os.environ.get("NEO4J_URI")

    def start(self, shops: int) -> tuple[str, str]:
        """The server's Bolt URI, and how it was sized."""
        if self.given:
            return self.given, "NEO4J_URI"
        env = {
            **os.environ,
            "NEO4J_HEAP": os.environ.get("NEO4J_HEAP", "4g"),
            "NEO4J_PAGECACHE": os.environ.get(
                "NEO4J_PAGECACHE", f"{max(1, -(-shops * 6 // 1_000_000))}g"
            ),
        }
        proc = subprocess.run(
            [str(SCRIPT), "start"], capture_output=True, text=True, timeout=1200, env=env
        )
        if proc.returncode != 0:
            raise SystemExit(f"scripts/neo4j start failed:\n{proc.stderr}")
        if "already running" in proc.stderr:
            raise SystemExit(
                "a scripts/neo4j server is already running in that folder: stop it, set "
                "GRAPHRING_NEO4J_HOME to another folder, or point NEO4J_URI at it"
            )
        sized = f"heap {env['NEO4J_HEAP']}, page cache {env['NEO4J_PAGECACHE']}"
        return proc.stdout.strip().splitlines()[-1], sized

    def stop(self) -> None:
        if not self.given:
            subprocess.run([str(SCRIPT), "stop"], capture_output=True, timeout=300)


def run_neo4j_size(
    shops: int, server: Neo4jServer, keep: Path | None, seed: int, warmup_shops: int
) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        data, _ = market(shops, seed, keep, tmp)
        warmup = ""
        if warmup_shops:
            warm, _ = market(warmup_shops, seed + 1, keep, str(Path(tmp) / "warmup"))
            warmup = str(warm)
        uri, sized = server.start(shops)
        try:
            proc = subprocess.run(
                [sys.executable, "-c", NEO4J_CHILD, str(data), uri, warmup],
                capture_output=True,
                text=True,
            )
        finally:
            load_avg = round(os.getloadavg()[0], 2)
            server.stop()
        if proc.returncode != 0:
            raise SystemExit(f"the Neo4j run of {shops} shops failed:\n{proc.stderr}")
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        return {"shops": shops, "server": sized, **out, "load_avg": load_avg}


def _tree(pid: int) -> list[int]:
    """``pid`` and every process under it."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo.extend(int(c) for c in task.read_text().split())
    return out


def _watch_memory(child: subprocess.Popen[str], peak: list[int]) -> None:
    """Peak of the summed proportional set size (Pss: shared pages split between the
    processes sharing them) of the run and its forked workers, sampled 5 times a second."""
    while child.poll() is None:
        total = 0
        for pid in _tree(child.pid):
            try:
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
            except (OSError, ValueError):
                pass
        peak[0] = max(peak[0], total)
        time.sleep(0.2)


def table(results: list[dict[str, object]]) -> str:
    stages = ["read_validate_normalize", "load", "link", "detect", "score", "leads", "export"]
    head = (
        "| shops | input rows | engine | "
        + " | ".join(stages)
        + " | total s | CPU s | processes | peak MB | all processes peak MB | rings |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        st = r["stages"]
        assert isinstance(st, dict)
        lines.append(
            f"| {r['shops']:,} | {r['rows']:,} | {r['engine']} | "
            + " | ".join(f"{st.get(s, 0):.1f}" for s in stages)
            + f" | {r['total']} | {r.get('cpu_s', '')} | {r.get('processes', 1)} "
            f"| {r['peak_mb']:,} | {r.get('all_processes_peak_mb', 0):,} | {r['rings']:,} |"
        )
    return "\n".join(lines)


def _or_failed(value: object) -> str:
    return "failed" if value is None else f"{value:,}"


def neo4j_table(results: list[dict[str, object]]) -> str:
    head = (
        "| shops | rows loaded | nodes | relationships | first load s | first load rows/s "
        "| reload s | reload rows/s | GDS Louvain s | GDS Leiden s | rings (Louvain / Leiden) "
        "| client peak MB | server | load avg after |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        first, again, louvain, leiden = (
            r[k] for k in ["first", "reload", "gds_louvain", "gds_leiden"]
        )
        assert isinstance(first, dict) and isinstance(again, dict)
        assert isinstance(louvain, dict) and isinstance(leiden, dict)
        lines.append(
            f"| {r['shops']:,} | {first['rows']:,} | {r['nodes']:,} | {r['relationships']:,} "
            f"| {first['s']} | {first['rows'] / first['s']:,.0f} "
            f"| {again['s']} | {again['rows'] / again['s']:,.0f} "
            f"| {_or_failed(louvain['s'])} | {_or_failed(leiden['s'])} "
            f"| {_or_failed(louvain['rings'])} / {_or_failed(leiden['rings'])} "
            f"| {r['peak_mb']:,} | {r['server']} | {r['load_avg']} |"
        )
    failed = [
        f"{r['shops']:,} shops, {k}: {v['error']}"
        for r in results
        for k, v in r.items()
        if isinstance(v, dict) and v.get("error")
    ]
    return "\n".join(lines + ["", *failed] if failed else lines)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--stores", nargs="+", default=["memory", "neo4j"], choices=["memory", "neo4j"])
    ap.add_argument("--engine", default="auto", choices=["auto", "louvain", "igraph"])
    ap.add_argument("--no-packets", action="store_true", help="skip writing packets")
    ap.add_argument(
        "--keep",
        type=Path,
        help="keep generated marketplaces in this folder and reuse them (1M shops take minutes)",
    )
    ap.add_argument("--seed", type=int, default=1, help="seed of generated marketplaces")
    ap.add_argument(
        "--warmup",
        type=int,
        default=20000,
        metavar="SHOPS",
        help="Neo4j: load a marketplace this big twice before measuring (0: a cold server)",
    )
    ap.add_argument("--write", type=Path, help="also write the tables into this Markdown file")
    args = ap.parse_args()
    command = f"python benchmarks/ladder.py {' '.join(sys.argv[1:])}".strip()
    text = f"Machine: {machine()}.\n\nCommand: `{command}` ({time.strftime('%Y-%m-%d')}).\n"
    if "memory" in args.stores:
        results = []
        for shops in args.sizes:
            r = run_size(shops, args.engine, not args.no_packets, args.keep, args.seed)
            print(json.dumps(r), flush=True)
            results.append(r)
        text += (
            "\nEmbedded store: seconds per stage; peak resident memory of the run's process "
            "and of all its processes.\n\n" + table(results) + "\n"
        )
    if "neo4j" in args.stores:
        server = Neo4jServer()
        results = []
        for shops in args.sizes:
            r = run_neo4j_size(shops, server, args.keep, args.seed, args.warmup)
            print(json.dumps(r), flush=True)
            results.append(r)
        sample = results[0]
        text += (
            f"\nNeo4j: batch size {sample['batch_size']:,}, {sample['sessions']} sessions"
            + (f", server warmed up on {args.warmup:,} shops" if args.warmup else ", a cold server")
            + "; GDS seconds include computing the links in Cypher.\n\n"
            + neo4j_table(results)
            + "\n"
        )
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
