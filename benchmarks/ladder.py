"""The size ladder: generate marketplaces of 10k, 100k and 1M shops and time every stage.

    python benchmarks/ladder.py                       # 10k, 100k, 1M on the embedded store
    python benchmarks/ladder.py --sizes 10000 100000 --engine louvain
    python benchmarks/ladder.py --keep /tmp/markets       # reuse generated marketplaces
    python benchmarks/ladder.py --write /tmp/ladder.md     # also write the table there

Each size runs in a fresh process (so peak memory is that run's own): read and validate
(with normalization), load, link, detect, score, leads, export. Generation is timed apart.
Benchmarks never fail on time; they print what they measured. "CPU s" adds the run's
processes' CPU time (above the total when work ran in several processes). "peak MB" is
the run process's resident peak; "all processes peak MB" the peak of the run and its
forked workers together, sampled 5 times a second as summed Pss (a page shared after the
fork counts once, split between the processes sharing it).
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
from graphring.export import write_run
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


def run_size(
    shops: int, engine: str, packets: bool, keep: Path | None = None, seed: int = 1
) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        market = keep / f"{shops}-seed{seed}" if keep else Path(tmp)
        t = time.perf_counter()
        if keep and (market / "data" / "merchants.csv").exists():
            print(f"reusing the marketplace in {market}", file=sys.stderr)
        else:
            _generate(market, shops, seed)
        generated = round(time.perf_counter() - t, 1)
        data = market / "data"
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
        proc = subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)
        if proc.returncode != 0:
            raise SystemExit(f"the run of {shops} shops failed:\n{proc.stderr}")
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        return {
            "shops": shops,
            "rows": rows,
            "generate_s": generated,
            **out,
            "all_processes_peak_mb": peak[0] // 1024,
        }


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


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--engine", default="auto", choices=["auto", "louvain", "igraph"])
    ap.add_argument("--no-packets", action="store_true", help="skip writing packets")
    ap.add_argument(
        "--keep",
        type=Path,
        help="keep generated marketplaces in this folder and reuse them (1M shops take minutes)",
    )
    ap.add_argument("--write", type=Path, help="also write the table into this Markdown file")
    args = ap.parse_args()
    results = []
    for shops in args.sizes:
        r = run_size(shops, args.engine, not args.no_packets, args.keep)
        print(json.dumps(r), flush=True)
        results.append(r)
    text = (
        f"Machine: {machine()}.\n\n"
        f"Command: `python benchmarks/ladder.py --sizes "
        f"{' '.join(map(str, args.sizes))} --engine {args.engine}"
        f"{' --no-packets' if args.no_packets else ''}` "
        f"({time.strftime('%Y-%m-%d')}). Seconds per stage; peak resident memory of "
        f"the run's process.\n\n" + table(results) + "\n"
    )
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
