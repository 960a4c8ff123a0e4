"""Screenshots of the demo's 58-shop ring as an investigator sees it: the packet's graph
(opening view and fitted, labels by shop name), its lead map, and the first pages of its
case report PDF.

    python benchmarks/case_screenshots.py [--out docs/img/case] [--pages 3]

Runs the demo (6,000 shops, sample seed 7) into a temporary folder, opens the largest
ring's packet in headless Chromium with the network blocked, prints the case report with
``graphring report`` and turns its first pages into PNGs with pdftoppm (poppler-utils,
installed by scripts/install-browser). Prints what it wrote.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from graphring.headless import chromium, offline_page, open_packet, page_alerts
from graphring.pipeline import run_pipeline
from graphring.report import write_report
from graphring.rundir.write import write_run
from graphring.sample import write_sample


def packet_shots(packet: Path, out: Path) -> list[Path]:
    """The graph as it opens, the graph fitted with shop names, and the lead map."""
    shots = []
    with chromium() as browser:
        page, log = offline_page(browser, 1400, 1000)
        open_packet(page, packet / "index.html")
        graph = page.locator("#graph-section")
        graph.scroll_into_view_if_needed()
        shots.append(out / "packet-graph-open.png")
        graph.screenshot(path=str(shots[-1]))
        page.click("#graph-fit")
        page.select_option("#graph-labels", "name")
        shots.append(out / "packet-graph-fitted.png")
        graph.screenshot(path=str(shots[-1]))
        shots.append(out / "packet-map.png")
        page.locator("#leads-map").screenshot(path=str(shots[-1]))
        shots.append(out / "packet-top.png")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(shots[-1]))
        problems = log.problems() + page_alerts(page)
        page.context.close()
    if problems:
        raise SystemExit("the packet page misbehaved:\n" + "\n".join(problems))
    return shots


def report_shots(pdf: Path, out: Path, pages: int) -> list[Path]:
    prefix = out / "report-page"
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", str(pages), str(pdf), str(prefix)],
        check=True,
    )
    return sorted(out.glob("report-page*.png"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("docs/img/case"))
    ap.add_argument("--pages", type=int, default=3, help="report pages to picture")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        info = write_sample(Path(tmp) / "sample", n_shops=6000, seed=7)
        run = write_run(run_pipeline(info.data_dir), Path(tmp) / "run")
        rings = json.loads((run / "rings.json").read_text(encoding="utf-8"))
        ring = max(rings, key=lambda r: (r["size"], r["score"]))
        packet = run / "packets" / ring["ring_id"]
        shots = packet_shots(packet, args.out)
        pdf = args.out / "case-report.pdf"
        info_pdf = write_report(run, ring["ring_id"], pdf)
        shots += report_shots(pdf, args.out, args.pages)
    print(f"ring {ring['ring_id']}: {ring['size']} shops, score {ring['score']}")
    print(f"{pdf}: {info_pdf['pages']} pages, packet seal {info_pdf['seal']}")
    for shot in shots:
        print(shot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
