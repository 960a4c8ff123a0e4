"""Packet figures: the size of the demo's 58-shop ring packet, how long headless Chromium
takes to open it and settle its graph, and how long writing 1,000 packets takes.

    python benchmarks/packets.py                       # all figures (about 4 minutes)
    python benchmarks/packets.py --skip-bulk           # only the demo packet
    python benchmarks/packets.py --rings 1000 --shops 360000

The bulk figure runs the pipeline on a generated marketplace large enough for about
``--rings`` rings (360,000 shops make about 1,000) and times ``write_packets`` alone; when
the marketplace yields fewer rings, its rings are copied under new ids up to ``--rings``.
Targets: packet < 2 MB, settle < 5 s, 1,000 packets < 60 s.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from graphring.headless import chromium, offline_page, open_packet, page_alerts
from graphring.packets.write import write_packets
from graphring.pipeline import RunResult, run_pipeline
from graphring.rundir.write import ring_documents, write_run
from graphring.sample import write_sample


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def demo_packet(tmp: Path, loads: int) -> list[dict[str, Any]]:
    """The demo's run (6,000 shops, sample seed 7) and its 58-shop ring's packet."""
    info = write_sample(tmp / "sample", n_shops=6000, seed=7)
    result = run_pipeline(info.data_dir)
    run = write_run(result, tmp / "run")
    truth = pd.read_csv(info.truth_dir / "groups.csv")
    planted = set(truth.loc[truth["group"] == "ring-0", "merchant_id"])
    overlap = result.members.assign(hit=result.members["merchant_id"].isin(planted))
    ring_id = str(overlap.groupby("ring_id")["hit"].sum().idxmax())
    packet = run / "packets" / ring_id
    size = int(result.rings.set_index("ring_id").at[ring_id, "size"])
    times = []
    with chromium() as browser:
        for _ in range(loads):
            page, log = offline_page(browser)
            times.append(open_packet(page, packet / "index.html"))
            nodes = page.evaluate("window.graphring.nodes.length")
            problems = log.problems() + page_alerts(page)
            page.context.close()
            if problems:
                raise RuntimeError("\n".join(problems))
    return [
        {
            "figure": f"packet of the planted ring ({ring_id}, {size} shops, {nodes} nodes)",
            "value": f"{(packet / 'index.html').stat().st_size / 1e6:.2f} MB page, "
            f"{folder_bytes(packet) / 1e6:.2f} MB folder",
            "target": "< 2 MB",
        },
        {
            "figure": f"headless Chromium: open + graph settled (median of {loads})",
            "value": f"{statistics.median(times):.2f} s (min {min(times):.2f}, "
            f"max {max(times):.2f})",
            "target": "< 5 s",
        },
    ]


def replicate(result: RunResult, rings: int) -> RunResult:
    """The result with its rings copied under new ids until it holds ``rings`` rings."""
    have = len(result.rings)
    if have >= rings:
        keep = set(result.rings["ring_id"].head(rings))
        return dataclasses.replace(
            result,
            rings=result.rings.loc[result.rings["ring_id"].isin(keep)].reset_index(drop=True),
        )
    copies = -(-rings // have)

    def grow(frame: pd.DataFrame, col: str) -> pd.DataFrame:
        parts = [frame] + [frame.assign(**{col: frame[col] + f"-c{k}"}) for k in range(1, copies)]
        return pd.concat(parts, ignore_index=True)

    leads = result.leads.assign(rings=result.leads["rings"].str.split(";")).explode("rings")
    leads = grow(leads, "rings")
    grown = dataclasses.replace(
        result,
        rings=grow(result.rings, "ring_id").head(rings),
        members=grow(result.members, "ring_id"),
        ring_reasons=grow(result.ring_reasons, "ring_id"),
        evidence=grow(result.evidence, "ring_id"),
        leads=leads,
    )
    return grown


def bulk_packets(tmp: Path, rings: int, shops: int, seed: int) -> list[dict[str, Any]]:
    t = time.perf_counter()
    info = write_sample(tmp / "big", n_shops=shops, seed=seed)
    result = run_pipeline(info.data_dir)
    prep = time.perf_counter() - t
    found = len(result.rings)
    result = replicate(result, rings)
    docs = ring_documents(result)
    out = tmp / "bulk-packets"
    t = time.perf_counter()
    write_packets(result, docs, out)
    seconds = time.perf_counter() - t
    nodes = result.rings["size"]
    return [
        {
            "figure": f"write_packets for {len(docs)} rings ({found} found in {shops:,} shops"
            f"{', the rest copies' if found < rings else ''}; sizes {nodes.min()}–{nodes.max()},"
            f" median {nodes.median():g})",
            "value": f"{seconds:.1f} s ({1000 * seconds / len(docs):.0f} ms a packet, "
            f"{folder_bytes(out) / 1e6:.0f} MB)",
            "target": "< 60 s",
        },
        {
            "figure": "  (sample + pipeline before it, not counted)",
            "value": f"{prep:.0f} s",
            "target": "",
        },
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rings", type=int, default=1000)
    ap.add_argument("--shops", type=int, default=360_000)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--loads", type=int, default=5, help="browser loads to time")
    ap.add_argument("--skip-bulk", action="store_true")
    args = ap.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += demo_packet(Path(tmp), args.loads)
        if not args.skip_bulk:
            rows += bulk_packets(Path(tmp), args.rings, args.shops, args.seed)
    frame = pd.DataFrame(rows)
    try:
        print(frame.to_markdown(index=False))
    except ImportError:
        print(frame.to_string(index=False))


if __name__ == "__main__":
    main()
