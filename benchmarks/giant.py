"""graphring on a marketplace whose everyday sharing makes a giant component, against a
plain pass over the same data (normalize -> weighted projection -> igraph Louvain), both
measured in one run; with ring sizes and quality per pattern from the ground truth.

    python benchmarks/giant.py --shops 200000 --seed 11 --keep /tmp/giant
    python benchmarks/giant.py --data /tmp/giant/data   # a folder made before (truth beside)
    python benchmarks/giant.py --data D --pythonpath /path/to/other/checkout  # "before"
    python benchmarks/giant.py --data D --repeat 5   # five pairs, alternated; the median ratio

The plain pass reads the identifier columns, normalizes them with a few vectorised string
operations, sets aside identifiers held by more than 100 shops, weighs each shared one
1/ln(1 + holders), sums the weights per pair of shops and runs igraph's C Louvain
(community_multilevel) once over the whole graph: what a team writes in an afternoon.
`graphring detect` is the whole command (read, validate, normalize, load, link, detect,
score, leads, run folder with one packet per ring), in a fresh process.

This machine's own speed drifts by a fifth from one minute to the next, and the plain pass
drifts with it: one pair gives one ratio. ``--repeat N`` measures N pairs (plain pass, then
``graphring detect``, alternated) and prints every pair's ratio and their median.

Benchmarks never fail on time; they print what they measured, with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

#: The plain pass sets aside identifiers held by more shops than this (graphring's default).
MAX_HOLDERS = 100
SIZE_BINS = [3, 6, 11, 31, 61, 201, 10**9]
SIZE_LABELS = ["3-5", "6-10", "11-30", "31-60", "61-200", ">200"]


def _plain_keys(data: Path) -> pd.DataFrame:
    """merchant_id, key ("kind:normalized value") of every identifier the data holds."""

    def read(name: str, cols: list[str]) -> pd.DataFrame:
        path = data / f"{name}.csv"
        return pd.read_csv(path, usecols=cols, dtype=str) if path.exists() else pd.DataFrame()

    parts = []
    addr = read("addresses", ["merchant_id", "address"])
    ships = read("shipments", ["merchant_id", "origin", "sender_phone"])
    places = pd.concat(
        [addr, ships.rename(columns={"origin": "address"})[["merchant_id", "address"]]]
    )
    norm = (
        places["address"]
        .str.normalize("NFKC")
        .str.lower()
        .str.replace(r"[^\w]+", " ", regex=True)
        .str.replace(r"\b(no|rm|room|bldg|building|rd|road|st|street|ave|avenue)\b", "", regex=True)
        .str.replace(r"\s+", " ", regex=True)
        .str.strip()
    )
    parts.append(pd.DataFrame({"merchant_id": places["merchant_id"], "key": "address:" + norm}))
    acc = read("payment_accounts", ["merchant_id", "account"])
    acc_key = acc["account"].str.replace(r"[^0-9A-Za-z]", "", regex=True).str.upper()
    parts.append(pd.DataFrame({"merchant_id": acc["merchant_id"], "key": "account:" + acc_key}))
    ident = read("identifiers", ["merchant_id", "kind", "value"])
    phones = pd.concat(
        [
            ident.loc[ident["kind"] == "phone", ["merchant_id", "value"]],
            ships[["merchant_id", "sender_phone"]].rename(columns={"sender_phone": "value"}),
        ]
    ).dropna()
    digits = phones["value"].str.replace(r"\D", "", regex=True).str[-11:]
    parts.append(pd.DataFrame({"merchant_id": phones["merchant_id"], "key": "phone:" + digits}))
    other = ident.loc[ident["kind"] != "phone"]
    parts.append(
        pd.DataFrame(
            {
                "merchant_id": other["merchant_id"],
                "key": other["kind"] + ":" + other["value"].str.strip().str.lower(),
            }
        )
    )
    return pd.concat(parts, ignore_index=True).dropna().drop_duplicates()


def plain_pass(data: Path, seed: int) -> dict[str, float | int]:
    """normalize -> weighted projection -> igraph Louvain; seconds and what it found."""
    import igraph as ig

    t, cpu = time.perf_counter(), time.process_time()
    keys = _plain_keys(data)
    m, _ = pd.factorize(keys["merchant_id"])
    k, _ = pd.factorize(keys["key"])
    holders = np.bincount(k)
    keep = (holders[k] >= 2) & (holders[k] <= MAX_HOLDERS)
    h = pd.DataFrame({"k": k[keep], "m": m[keep]})
    pairs = h.merge(h, on="k")
    pairs = pairs.loc[pairs["m_x"] < pairs["m_y"]]
    pairs["w"] = 1.0 / np.log1p(holders[pairs["k"].to_numpy()])
    edges = pairs.groupby(["m_x", "m_y"], sort=False)["w"].sum().reset_index()
    g = ig.Graph(n=int(m.max()) + 1, edges=edges[["m_x", "m_y"]].to_numpy())
    ig.set_random_number_generator(__import__("random").Random(seed))
    parts = g.community_multilevel(weights=edges["w"].to_numpy())
    sizes = np.bincount(np.asarray(parts.membership))
    seconds, cpu_s = time.perf_counter() - t, time.process_time() - cpu
    # not timed: how giant the plain graph's largest component is
    comp = np.bincount(np.asarray(g.connected_components().membership))
    return {
        "seconds": round(seconds, 2),
        "cpu_s": round(cpu_s, 1),
        "largest_component": int(comp.max()),
        "links": len(edges),
        "largest_community": int(sizes.max()),
        "communities_3plus": int((sizes >= 3).sum()),
    }


def graphring_detect(data: Path, out: Path, pythonpath: str | None) -> dict[str, object]:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    t = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    # run from a neutral folder: ``python -m`` puts the working folder first on the path,
    # ahead of PYTHONPATH, so a run started in a checkout would measure that checkout
    subprocess.run(
        [
            sys.executable,
            "-m",
            "graphring.cli",
            "detect",
            str(Path(data).resolve()),
            "--out",
            str(Path(out).resolve()),
        ],
        check=True,
        env=env,
        cwd=tempfile.gettempdir(),
        stdout=subprocess.DEVNULL,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = json.loads((out / "run.json").read_text())
    packets = out / "packets"
    size = (
        sum(f.stat().st_size for f in packets.rglob("*") if f.is_file()) if packets.exists() else 0
    )
    return {
        "seconds": round(time.perf_counter() - t, 2),
        "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
        "peak_mb": after.ru_maxrss // 1024,
        "stages": run.get("stage_seconds", {}),
        "packets_mb": round(size / 2**20, 1),
        "services": len(run.get("services", {}).get("identifiers", [])),
    }


def quality(out: Path, truth: pd.DataFrame) -> dict[str, object]:
    """Ring sizes, recall per planted pattern (Jaccard >= 0.8), honest shops in rings."""
    rings = pd.read_csv(out / "rings.csv", dtype={"merchant_id": str})
    found = rings.groupby("ring_id")["merchant_id"].agg(frozenset)
    sizes = found.map(len)
    dist = pd.cut(sizes, SIZE_BINS, right=False, labels=SIZE_LABELS).value_counts()
    res: dict[str, object] = {
        "rings": len(found),
        "largest": int(sizes.max()) if len(sizes) else 0,
        "sizes": {lab: int(dist.get(lab, 0)) for lab in SIZE_LABELS},
    }
    by_shop = found.explode()
    owner = pd.Series(by_shop.index, index=by_shop.to_numpy())
    for kind in ["counterfeit", "chain", "mall"]:
        planted = truth.loc[truth["kind"] == kind].groupby("group")["merchant_id"].agg(frozenset)
        hit = 0
        for p in planted:
            cands = set(owner.reindex(list(p)).dropna())
            hit += any(len(p & found[c]) / len(p | found[c]) >= 0.8 for c in cands)
        res[f"{kind}_recall"] = f"{hit}/{len(planted)}"
    grouped = set(
        truth.loc[truth["kind"].isin(["counterfeit", "chain", "mall", "coworking"]), "merchant_id"]
    )
    bg = ~rings["merchant_id"].isin(grouped)
    res["background_in_rings"] = int(bg.sum())
    res["ring_members"] = len(rings)
    scores = rings.drop_duplicates("ring_id").set_index("ring_id")["ring_score"]
    fake = set(truth.loc[truth["kind"] == "counterfeit", "merchant_id"])
    share = found.map(lambda f: len(f & fake) / len(f))
    high = scores[scores >= 50]
    res["rings_at_50"] = len(high)
    res["precision_at_50"] = round(float((share[high.index] > 0.5).mean()), 3) if len(high) else 1.0
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, help="a data folder (its truth folder beside it)")
    ap.add_argument("--shops", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--keep", type=Path, help="generate into (and reuse) this folder")
    ap.add_argument("--out", type=Path, help="graphring's run folder (default: a temp one)")
    ap.add_argument("--pythonpath", help="PYTHONPATH for the graphring run (another checkout)")
    ap.add_argument(
        "--repeat", type=int, default=1, help="pairs to measure, alternated (median ratio)"
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            folder = args.keep or Path(tmp) / "market"
            data = folder / "data"
            if not (data / "merchants.csv").exists():
                from graphring.sample import write_sample
                from graphring.sample.sharing import EverydaySharing

                write_sample(folder, args.shops, args.seed, sharing=EverydaySharing())
        out = args.out or Path(tmp) / "run"
        ratios: list[tuple[float, float]] = []
        for _ in range(args.repeat):
            plain = plain_pass(data, args.seed)
            print("plain pass:", json.dumps(plain), flush=True)
            ours = graphring_detect(data, out, args.pythonpath)
            print("graphring detect:", json.dumps(ours), flush=True)
            ratios.append((ours["seconds"] / plain["seconds"], ours["cpu_s"] / plain["cpu_s"]))
            print(
                f"ratio graphring detect / plain pass: {ratios[-1][0]:.2f} (wall), "
                f"{ratios[-1][1]:.2f} (CPU)  load average {os.getloadavg()[0]:.2f}",
                flush=True,
            )
        if len(ratios) > 1:
            walls = sorted(r[0] for r in ratios)
            print(
                f"median ratio of {len(ratios)} pairs: "
                f"{statistics.median(walls):.2f} (wall; {walls[0]:.2f}-{walls[-1]:.2f}), "
                f"{statistics.median(r[1] for r in ratios):.2f} (CPU)"
            )
        truth_file = data.parent / "truth" / "groups.csv"
        if truth_file.exists():
            print("quality:", json.dumps(quality(out, pd.read_csv(truth_file))))
        print(f"load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
