"""Screenshot a ring's packet in headless Chromium, offline.

    python -m graphring.packets.screenshot RUN_DIR RING_ID OUT.png [--section ID]

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

from graphring.packets.browser import BrowserMissing, screenshot_packet


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m graphring.packets.screenshot", description=__doc__.splitlines()[0]
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
