"""Screenshot a ring's packet in headless Chromium, offline.

    python tools/screenshot.py RUN_DIR RING_ID OUT.png [--section ID]

RUN_DIR is a run folder (``graphring demo --out RUN_DIR``); RING_ID names a folder under
``RUN_DIR/packets``, or is ``largest`` for the ring with the most shops. Every network
request is blocked; the command fails (exit 1) if the page asked for one, logged an error
or opened a dialog, and prints how long the graph took to settle.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from graphring.headless import (
    BrowserMissing,
    chromium,
    offline_page,
    open_packet,
    page_alerts,
)


def screenshot_packet(
    packet_html: Path,
    out: Path,
    width: int = 1400,
    height: int = 1250,
    section: str | None = None,
) -> dict[str, Any]:
    """Open a packet offline, let the graph settle and save a PNG of the page's top (or
    from ``section``, an element id, down). Raises RuntimeError if the page needed the network,
    logged an error or ran a dialog."""
    with chromium() as browser:
        page, log = offline_page(browser, width, height)
        seconds = open_packet(page, packet_html)
        if section:
            page.evaluate(f"document.getElementById({section!r}).scrollIntoView()")
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        nodes = page.evaluate("window.graphring.nodes.length")
        problems = log.problems() + page_alerts(page)
        page.context.close()
    if problems:
        raise RuntimeError("the packet page misbehaved:\n" + "\n".join(problems))
    return {"seconds_to_settle": round(seconds, 2), "nodes": nodes, "png": str(out)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python tools/screenshot.py", description=__doc__.splitlines()[0]
    )
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("ring_id")
    ap.add_argument("out", type=Path)
    ap.add_argument("--section", help="element id to scroll to first (graph-section, …)")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=1250)
    args = ap.parse_args(argv)
    ring_id = args.ring_id
    if ring_id == "largest":
        rings = json.loads((args.run_dir / "rings.json").read_text(encoding="utf-8"))
        ring_id = max(rings, key=lambda r: (r["size"], r["score"]))["ring_id"]
    packet = args.run_dir / "packets" / ring_id / "index.html"
    if not packet.is_file():
        print(f"no packet at {packet}", file=sys.stderr)
        return 2
    try:
        info = screenshot_packet(packet, args.out, args.width, args.height, args.section)
    except (BrowserMissing, RuntimeError) as e:
        print(str(e), file=sys.stderr)
        return 1
    print(
        f"{info['png']}: {info['nodes']} nodes, graph settled in {info['seconds_to_settle']} s "
        f"(page {packet.stat().st_size / 1e6:.2f} MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
