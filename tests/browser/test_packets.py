"""Packets and the overview page in a real headless Chromium, with the network blocked.

Each page must open from file:// asking nothing of the network, log no error, draw and
settle its graph, find and highlight nodes, and show hostile shop names as plain text in
tables, tooltips and the SVG without running them.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from graphring.headless import PageLog, open_packet, page_alerts
from tests.browser.helpers import HOSTILE_NAMES, HostileRun

pytestmark = pytest.mark.browser

#: Seconds the graph may take to settle in these tests (the benchmark measures the real
#: figure; this bound only keeps a slow CI machine from failing).
SETTLE_LIMIT_S = 10.0


def assert_clean(page: Any, log: PageLog) -> None:
    problems = log.problems() + page_alerts(page)
    assert not problems, "\n".join(problems)


def test_network_guard_records_what_a_page_asks_for(
    offline: tuple[Any, PageLog], tmp_path: Path
) -> None:
    """The guard itself: a page without our CSP that loads remote things gets them
    aborted and listed, so "nothing was requested" below means something."""
    page, log = offline
    html = tmp_path / "remote.html"
    html.write_text(
        '<img src="http://127.0.0.1:9/pixel.png">'
        '<script src="https://cdn.example.invalid/lib.js"></script>',
        encoding="utf-8",
    )
    page.goto(html.as_uri())
    page.wait_for_load_state("load")
    assert "http://127.0.0.1:9/pixel.png" in log.blocked
    assert "https://cdn.example.invalid/lib.js" in log.blocked


def test_overview_opens_offline_ranked_filtered_and_linked(
    offline: tuple[Any, PageLog], hostile_run: HostileRun
) -> None:
    page, log = offline
    result = hostile_run.result
    page.goto((hostile_run.folder / "index.html").as_uri())
    page.wait_for_load_state("load")
    assert_clean(page, log)
    rows = page.locator("#rings tbody tr")
    assert rows.count() == len(result.rings)
    scores = [float(s) for s in page.locator("#rings tbody tr td:nth-child(2)").all_inner_texts()]
    assert scores == sorted(scores, reverse=True)
    hrefs = page.locator("#rings tbody a").evaluate_all("as => as.map(a => a.href)")
    assert len(hrefs) == len(result.rings)
    for href in hrefs:
        assert href.startswith("file://")
        assert Path(href.removeprefix("file://")).is_file(), href
    # the minimum-score box filters the rings table
    page.fill('input[data-min-for="rings"]', "50")
    visible = page.locator("#rings tbody tr:visible").count()
    assert visible == int((result.rings["ring_score"] >= 50).sum())
    assert "of" in page.locator('[data-count-for="rings"]').inner_text()
    # the text box filters by any cell
    page.fill('input[data-min-for="rings"]', "")
    page.fill('input[data-for="rings"]', hostile_run.ring_id)
    assert page.locator("#rings tbody tr:visible").count() == 1
    # clicking a header sorts
    page.fill('input[data-for="rings"]', "")
    page.click("#rings thead th:nth-child(2)")
    scores = [float(s) for s in page.locator("#rings tbody tr td:nth-child(2)").all_inner_texts()]
    assert scores == sorted(scores)
    summary = page.locator("#summary").inner_text()
    assert f"{result.counts['rejected_rows']} input rows set aside" in summary
    assert f"{len(result.supernodes)} supernodes set aside" in summary
    assert page.locator("#leads tbody tr").count() == len(result.leads)
    assert page.locator("#supernodes tbody tr").count() == len(result.supernodes)
    assert_clean(page, log)


def test_packet_opens_offline_and_graph_settles(
    offline: tuple[Any, PageLog], hostile_run: HostileRun, tmp_path: Path
) -> None:
    page, log = offline
    data = hostile_run.graph_data()
    seconds = open_packet(page, hostile_run.packet / "index.html", timeout_s=SETTLE_LIMIT_S)
    assert seconds < SETTLE_LIMIT_S
    assert page.evaluate("window.graphring.stabilized") is True
    assert page.evaluate("window.graphring.nodes.length") == len(data["nodes"])
    assert page.evaluate("window.graphring.edges.length") == len(data["edges"])
    kinds = {n["kind"] for n in data["nodes"]}
    assert {"shop", "account", "phone", "device", "origin"} <= kinds
    assert 0 < len(data["nodes"]) < 1000
    # physics is off once settled: nothing moves any more
    before = page.evaluate("window.graphring.network.getPositions()")
    page.wait_for_timeout(400)
    assert page.evaluate("window.graphring.network.getPositions()") == before
    canvas = page.locator("#graph canvas")
    assert canvas.count() == 1 and canvas.bounding_box()["width"] > 300
    # the legend names each kind drawn, with its count
    legend = page.locator(".legend").inner_text()
    for entry in data["legend"]:
        assert f"{entry['label']} ({entry['count']})" in legend
    # members, shared identifiers, leads and listings are all there
    members = hostile_run.result.members
    ring_members = members.loc[members["ring_id"] == hostile_run.ring_id]
    assert page.locator("#members tbody tr").count() == len(ring_members)
    assert page.locator("#evidence tbody tr").count() > 0
    assert page.locator("#leads tbody tr").count() > 0
    assert page.locator("#listings tbody tr").count() > 0
    assert page.locator("table.timeline tbody tr").count() > 0
    shot = tmp_path / "packet.png"
    page.locator("#graph-section").scroll_into_view_if_needed()
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    assert_clean(page, log)


def test_search_highlights_node_and_neighbours(
    offline: tuple[Any, PageLog], hostile_run: HostileRun
) -> None:
    page, log = offline
    data = hostile_run.graph_data()
    open_packet(page, hostile_run.packet / "index.html", timeout_s=SETTLE_LIMIT_S)
    mid = sorted(hostile_run.names)[0]
    node = f"m:{mid}"
    neighbours = {e["to"] for e in data["edges"] if e["from"] == node} | {
        e["from"] for e in data["edges"] if e["to"] == node
    }
    assert neighbours
    page.fill("#node-search", mid)
    page.press("#node-search", "Enter")
    highlighted = page.evaluate("window.graphring.highlighted")
    assert highlighted[0] == node
    assert set(highlighted) == {node} | neighbours
    selected = page.evaluate("window.graphring.network.getSelectedNodes()")
    assert set(selected) == {node} | neighbours
    opacity = page.evaluate(
        "Object.fromEntries(window.graphring.nodes.get().map(n => [n.id, n.opacity]))"
    )
    assert all(opacity[n] == 1 for n in highlighted)
    assert all(v < 1 for k, v in opacity.items() if k not in set(highlighted))
    assert f"{len(neighbours)} neighbours" in page.locator("#graph-status").inner_text()
    # a shop can be found by (part of) its name too, even a hostile one
    page.fill("#node-search", "onerror=alert")
    page.click("#node-search-go")
    assert page.evaluate("window.graphring.highlighted")[0] == f"m:{_id_of(hostile_run, 0)}"
    page.click("#node-search-clear")
    assert page.evaluate("window.graphring.highlighted") == []
    assert page.evaluate("window.graphring.network.getSelectedNodes()") == []
    assert_clean(page, log)


def _id_of(run: HostileRun, index: int) -> str:
    return next(m for m, n in run.names.items() if n == HOSTILE_NAMES[index])


def test_hostile_names_stay_text_in_tables_and_tooltips(
    offline: tuple[Any, PageLog], hostile_run: HostileRun
) -> None:
    page, log = offline
    open_packet(page, hostile_run.packet / "index.html", timeout_s=SETTLE_LIMIT_S)
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("svg[onload]").count() == 0
    assert page.locator("main b:text('bold')").count() == 0
    cells = page.locator("#members tbody td").all_text_contents()
    listing_cells = set(page.locator("#listings tbody td").all_text_contents())
    for name in HOSTILE_NAMES:
        assert name in cells, f"{name!r} is not shown as text in the members table"
    assert listing_cells & set(HOSTILE_NAMES), "hostile shop names missing from listings"
    # tooltips: hover each renamed shop's node; vis-network shows its title as text
    page.locator("#graph").scroll_into_view_if_needed()
    for mid, name in hostile_run.names.items():
        page.evaluate(f"window.graphring.network.focus('m:{mid}', {{animation: false}})")
        pos = page.evaluate(
            """id => { const n = window.graphring.network;
            const p = n.canvasToDOM(n.getPositions([id])[id]);
            const r = document.querySelector('#graph canvas').getBoundingClientRect();
            return {x: r.left + p.x, y: r.top + p.y}; }""",
            f"m:{mid}",
        )
        page.mouse.move(pos["x"] - 40, pos["y"] - 40)
        page.mouse.move(pos["x"], pos["y"])
        tip = page.locator("div.vis-tooltip")
        tip.wait_for(state="visible", timeout=3000)
        deadline = time.monotonic() + 3
        while name not in tip.text_content() and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        assert name in tip.text_content()
        assert tip.locator("img, script, svg, b, iframe").count() == 0
        page.mouse.move(5, 5)
    assert_clean(page, log)


def test_svg_is_well_formed_escaped_and_runs_nothing(
    offline: tuple[Any, PageLog], hostile_run: HostileRun
) -> None:
    svg = hostile_run.packet / "graph.svg"
    root = ET.parse(svg).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    tags = {el.tag.removeprefix(ns) for el in root.iter()}
    assert tags <= {"svg", "title", "rect", "text", "g", "line", "circle"}, tags
    titles = " ".join(t.text or "" for t in root.iter(f"{ns}title"))
    for name in HOSTILE_NAMES:
        assert name in titles
    assert not any(k.startswith("on") for el in root.iter() for k in el.attrib)
    page, log = offline
    page.goto(svg.as_uri())
    page.wait_for_load_state("load")
    assert page.locator("img, script").count() == 0
    assert_clean(page, log)


def test_chain_of_custody_in_page_and_json(
    offline: tuple[Any, PageLog], hostile_run: HostileRun
) -> None:
    packet = hostile_run.packet
    ring = json.loads((packet / "ring.json").read_text(encoding="utf-8"))
    custody = ring["custody"]
    assert custody["generated_at"] and custody["graphring_version"]
    assert custody["run_id"] == hostile_run.result.run_id
    assert custody["parameters"]["seed"] == hostile_run.result.settings.seed
    for name, entry in custody["inputs"].items():
        path = hostile_run.data_dir / entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], name
    for name, digest in ring["files"].items():
        assert hashlib.sha256((packet / name).read_bytes()).hexdigest() == digest, name
    sums = (packet / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in sums}
    assert set(listed) == {p.name for p in packet.iterdir()} - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256((packet / name).read_bytes()).hexdigest() == digest, name
    page, log = offline
    open_packet(page, packet / "index.html", timeout_s=SETTLE_LIMIT_S)
    shown = page.locator("#custody").inner_text()
    assert custody["generated_at"] in shown and custody["graphring_version"] in shown
    for entry in custody["inputs"].values():
        assert entry["sha256"] in shown
    assert_clean(page, log)


def test_missing_chromium_fails_rather_than_skips(tmp_path: Path) -> None:
    """Without a browser the browser tests fail, with a message saying how to install one."""
    env = {**os.environ, "GRAPHRING_CHROMIUM": str(tmp_path / "no-chromium")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"{Path(__file__)}::test_network_guard_records_what_a_page_asks_for",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        timeout=300,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 error" in proc.stdout or "1 failed" in proc.stdout, proc.stdout
    assert "skipped" not in proc.stdout
    assert "scripts/install-browser" in proc.stdout
