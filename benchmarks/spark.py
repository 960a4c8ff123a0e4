"""The whole job on Spark, end to end, on sample marketplaces (default: 1M shops, local[2]).

    python benchmarks/spark.py                                   # 1M shops on local[2]
    python benchmarks/spark.py --sizes 100000 1000000 --keep /tmp/markets
    python benchmarks/spark.py --sizes 5000000 --driver-memory 8g --write /tmp/spark.md
    python benchmarks/spark.py --sizes 5000000 --copies 5 --keep /work/markets  # 5 x 1M

A size of several million shops takes long to generate in one process (the 1M one takes
some 14 minutes and grows with the size); ``--copies K`` writes it as K copies of the
marketplace of size/K instead, each copy's ids, addresses, phones, accounts and other
identifiers made its own (so copies share nothing but chance collisions of phone and
account numbers): K times the shops, rings and links, written in chunks.

Each size runs in a fresh process: a Spark session on ``--master`` (one JVM holds the
driver and the executor in local mode), the pipeline with ``--backend spark`` (read and
validate with normalization, holdings, components, links and cutting, shop risk, rings,
leads) and the export of the run folder with its packets. Generation is timed apart.

Memory is sampled five times a second from /proc: the peak resident size of the Python
driver, of the JVM (driver and executor together in local mode; its heap is capped by
``--driver-memory``) and of the Python workers Spark starts for the pandas steps (summed
over the workers alive at each sample). Spark spills what does not fit to its local
directory (``--local-dir``); its peak size is sampled every 5 s.

Benchmarks never fail on time; they print what they measured, with the load average.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd

CHILD = r"""
import json, logging, sys, time
from graphring.config import Settings
# each stage's time on stderr as it ends (a run stopped part way still says how far it got)
handler = logging.StreamHandler(sys.stderr)
handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
logging.getLogger("graphring").addHandler(handler)
logging.getLogger("graphring").setLevel(logging.INFO)
from graphring.rundir.write import write_run
from graphring.pipeline import run_pipeline
from graphring.spark.store import SparkStore
data, out, master, conf = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
settings = Settings(backend="spark", spark_master=master)
t0 = time.perf_counter()
store = SparkStore.connect(settings, conf)
t1 = time.perf_counter()
result = run_pipeline(data, settings, store)
t2 = time.perf_counter()
write_run(result, out)
t3 = time.perf_counter()
print(json.dumps({
    "session": round(t1 - t0, 1), "stages": result.timings, "pipeline": round(t2 - t1, 1),
    "export": round(t3 - t2, 1), "rings": len(result.rings), "links": result.counts["links"],
    "shops": result.counts["tables"]["merchants"]["loaded"],
}))
store.session.stop()
"""


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _cmd(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Sampler(threading.Thread):
    """Peak resident MB of the driver, the JVM and the Python workers of one run."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = {"driver": 0.0, "jvm": 0.0, "workers": 0.0, "local_dir": 0.0}
        self.local_dir: Path | None = None
        self.done = threading.Event()

    def run(self) -> None:
        ticks = 0
        while not self.done.wait(0.2):
            ticks += 1
            # Spark's shuffle and spill files: they are deleted when the session stops
            if self.local_dir is not None and ticks % 25 == 0:
                self.peak["local_dir"] = max(self.peak["local_dir"], _du_mb(self.local_dir))
            if ticks % 300 == 0:  # the peaks so far, once a minute
                peaks = {k: round(v) for k, v in self.peak.items()}
                print(f"{time.strftime('%H:%M:%S')} peaks MB {peaks}", file=sys.stderr, flush=True)
            kids = _children()
            tree, stack = [], [self.pid]
            while stack:
                p = stack.pop()
                tree.append(p)
                stack.extend(kids.get(p, []))
            now = {"driver": _rss_mb(self.pid), "jvm": 0.0, "workers": 0.0}
            for p in tree[1:]:
                cmd = _cmd(p)
                if "java" in cmd.split(" ", 1)[0]:
                    now["jvm"] += _rss_mb(p)
                elif "python" in cmd:
                    now["workers"] += _rss_mb(p)
            for k, v in now.items():
                self.peak[k] = max(self.peak[k], v)


def _du_mb(path: Path) -> float:
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.path.getsize(os.path.join(root, name))
    return total / 2**20


#: Per file: the columns made a copy's own, and how.
_COPY_COLUMNS = {
    "merchants.csv": {"merchant_id": "id"},
    "listings.csv": {"listing_id": "id", "merchant_id": "id"},
    "shipments.csv": {
        "shipment_id": "id",
        "merchant_id": "id",
        "origin": "address",
        "sender_phone": "digits",
    },
    "addresses.csv": {"merchant_id": "id", "address": "address"},
    "payment_accounts.csv": {"merchant_id": "id", "account": "digits"},
    "identifiers.csv": {"merchant_id": "id", "value": "value"},
}


def _copy_of(frame: pd.DataFrame, columns: dict[str, str], copy: int) -> pd.DataFrame:
    """``frame`` as copy number ``copy`` (0 is the original)."""
    if copy == 0:
        return frame
    out = frame.copy()
    for col, how in columns.items():
        v = out[col]
        if how == "id":
            out[col] = v.where(v == "", v + f"-{copy}")
        elif how == "address":
            # another locality: the copy's number on the address's last word (its city or
            # postcode), so no place joins two copies' spellings and the place blocks
            # (keyed by that word) stay as big as in the original; a " Zone k" suffix made
            # the copy number every address's last word: one block per street number and
            # type across all cities, and matching it took a worker past 7 GB at 5M shops
            out[col] = v.str.replace(r"(\w)(\W*)$", rf"\g<1>{copy}\g<2>", regex=True)
        elif how == "digits":  # the last four digits shifted: still a valid number
            parts = v.str.extract(r"^(.*?)(\d{4})(\D*)$")
            ok = parts[1].notna()
            shifted = ((parts[1][ok].astype(int) + 2371 * copy) % 10_000).map("{:04d}".format)
            out.loc[ok, col] = parts[0][ok] + shifted + parts[2][ok]
        elif how == "value":  # phones as digits, the other kinds tagged
            phone = out["kind"].str.strip().str.lower() == "phone"
            out.loc[phone, col] = _copy_of(out.loc[phone, [col]], {col: "digits"}, copy)[col]
            email = ~phone & v.str.contains("@", regex=False)
            out.loc[email, col] = v[email].str.replace("@", f".{copy}@", n=1, regex=False)
            rest = ~phone & ~email & (v != "")
            out.loc[rest, col] = v[rest] + f"-{copy}"
    return out


def replicate(source: Path, target: Path, copies: int) -> None:
    """Write ``copies`` copies of the marketplace in ``source`` as one into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for name, columns in _COPY_COLUMNS.items():
        with open(target / name, "w", encoding="utf-8", newline="") as f:
            for copy in range(copies):
                for chunk in pd.read_csv(
                    source / name, dtype=str, keep_default_na=False, chunksize=500_000
                ):
                    _copy_of(chunk, columns, copy).to_csv(f, index=False, header=f.tell() == 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--keep", type=Path, default=None, help="reuse/keep marketplaces here")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--driver-memory", default="6g")
    ap.add_argument("--shuffle-partitions", type=int, default=16)
    ap.add_argument("--local-dir", type=Path, default=None)
    ap.add_argument("--write", type=Path, default=None, help="append the table here")
    ap.add_argument("--copies", type=int, default=1, help="a size as copies of size/copies")
    args = ap.parse_args()
    from graphring.sample import write_sample

    base = args.keep or Path(tempfile.mkdtemp(prefix="graphring-spark-"))
    rows = []
    for n in args.sizes:
        folder = base / f"m{n}"
        if not (folder / "data" / "merchants.csv").is_file():
            t = time.perf_counter()
            if args.copies > 1:
                part = base / f"m{n // args.copies}"
                if not (part / "data" / "merchants.csv").is_file():
                    write_sample(part, n_shops=n // args.copies, seed=7)
                replicate(part / "data", folder / "data", args.copies)
            else:
                write_sample(folder, n_shops=n, seed=7)
            print(f"generated {n:,} shops in {time.perf_counter() - t:.0f} s", flush=True)
        local_dir = args.local_dir or Path(tempfile.mkdtemp(prefix="spark-local-"))
        conf = {
            "spark.ui.enabled": "false",
            "spark.driver.memory": args.driver_memory,
            "spark.sql.shuffle.partitions": str(args.shuffle_partitions),
            "spark.local.dir": str(local_dir),
        }
        out = Path(tempfile.mkdtemp(prefix="spark-run-")) / "run"
        load = os.getloadavg()
        t = time.perf_counter()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                CHILD,
                str(folder / "data"),
                str(out),
                args.master,
                json.dumps(conf),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        sampler = Sampler(proc.pid)
        sampler.local_dir = local_dir
        sampler.start()
        stdout, _ = proc.communicate()
        sampler.done.set()
        wall = time.perf_counter() - t
        if proc.returncode != 0:
            peaks = {k: round(v) for k, v in sampler.peak.items()}
            print(
                f"{n:,} shops: failed with status {proc.returncode} after {wall:.0f} s; "
                f"peaks MB {peaks}",
                flush=True,
            )
            continue
        res = json.loads(stdout.strip().splitlines()[-1])
        row = {
            "shops": res["shops"],
            "wall": round(wall, 1),
            **res,
            "peak_driver_mb": round(sampler.peak["driver"]),
            "peak_jvm_mb": round(sampler.peak["jvm"]),
            "peak_workers_mb": round(sampler.peak["workers"]),
            "peak_local_dir_mb": round(sampler.peak["local_dir"]),
            "load_before": [round(x, 2) for x in load],
            "load_after": [round(x, 2) for x in os.getloadavg()],
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
        shutil.rmtree(out.parent, ignore_errors=True)
        if args.local_dir is None:
            shutil.rmtree(local_dir, ignore_errors=True)
    if args.write and rows:
        with open(args.write, "a", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
