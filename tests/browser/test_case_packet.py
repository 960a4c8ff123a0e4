"""The packet as a case file, in headless Chromium: graph controls (fit, labels by name,
legend toggles, colours kept on selection, readable opening scale, time filter), members
with "tied by" and the weak-tie warning, the backbone first, raw values with their
sources, whole months, parcels per day, and the print layout."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from graphring.headless import PageLog, open_packet, page_alerts
from graphring.packets.graph import KIND_COLOURS
from tests.browser.helpers import HostileRun

pytestmark = pytest.mark.browser


def assert_clean(page: Any, log: PageLog) -> None:
    problems = log.problems() + page_alerts(page)
    assert not problems, "\n".join(problems)


def _visible(page: Any) -> set[str]:
    return set(page.evaluate("window.graphring.nodes.get().filter(n => !n.hidden).map(n => n.id)"))


def _in_view(page: Any) -> int:
    """Nodes whose centre lies inside the graph's canvas."""
    return int(
        page.evaluate(
            """() => { const n = window.graphring.network;
            const c = document.querySelector('#graph canvas').getBoundingClientRect();
            const pos = n.getPositions(); let k = 0;
            for (const id in pos) { const p = n.canvasToDOM(pos[id]);
              if (p.x >= 0 && p.y >= 0 && p.x <= c.width && p.y <= c.height) k++; }
            return k; }"""
        )
    )


def test_graph_controls(offline: tuple[Any, PageLog], hostile_run: HostileRun) -> None:
    page, log = offline
    data = hostile_run.graph_data()
    total = len(data["nodes"])
    open_packet(page, hostile_run.packet / "index.html")
    readable = page.evaluate("window.graphring.readable")
    assert page.evaluate("window.graphring.network.getScale()") >= readable - 1e-6
    page.click("#graph-fit")
    assert _in_view(page) == total
    fitted = page.evaluate("window.graphring.network.getScale()")
    # labels by shop name (a hostile name stays a plain string) and back to ids
    mid, name = next(iter(hostile_run.names.items()))
    page.select_option("#graph-labels", "name")
    assert page.evaluate(f"window.graphring.nodes.get('m:{mid}').label") == name
    page.select_option("#graph-labels", "id")
    assert page.evaluate(f"window.graphring.nodes.get('m:{mid}').label") == mid
    # legend items hide and show a kind
    phones = {n["id"] for n in data["nodes"] if n["kind"] == "phone"}
    assert phones
    page.click('.legend button[data-kind="phone"]')
    assert _visible(page) == {n["id"] for n in data["nodes"]} - phones
    assert page.get_attribute('.legend button[data-kind="phone"]', "aria-pressed") == "false"
    page.click('.legend button[data-kind="phone"]')
    assert len(_visible(page)) == total
    # selection keeps each kind's colour
    page.fill("#node-search", mid)
    page.press("#node-search", "Enter")
    selected = page.evaluate("window.graphring.network.getSelectedNodes()")
    colours = page.evaluate(
        """ids => ids.map(id => { const n = window.graphring.network.body.nodes[id];
        return [n.options.kind, n.options.color.highlight.background]; })""",
        selected,
    )
    assert {c for _, c in colours} != {"#2B7CE9"}
    assert all(colour == KIND_COLOURS[kind] for kind, colour in colours)
    # clearing the search fits the graph again
    page.click("#node-search-clear")
    assert page.evaluate("window.graphring.network.getScale()") == pytest.approx(fitted)
    # the time filter: the first month shows only what was there by then
    members = hostile_run.result.members
    ring = members.loc[members["ring_id"] == hostile_run.ring_id]
    first = pd.to_datetime(ring["opened_on"]).min().strftime("%Y-%m")
    page.evaluate(
        "s => { s.value = 0; s.dispatchEvent(new Event('input')); }",
        page.query_selector("#graph-until"),
    )
    early = _visible(page)
    dated = {n["id"]: n["t"] for n in data["nodes"] if n.get("t")}
    assert early and len(early) < total
    assert all(dated[k][:7] <= first for k in early if k in dated)
    assert f"to {first}" in page.inner_text("#graph-until-day")
    page.evaluate(
        "s => { s.value = s.max; s.dispatchEvent(new Event('input')); }",
        page.query_selector("#graph-until"),
    )
    assert len(_visible(page)) == total
    assert_clean(page, log)


def test_case_sections(offline: tuple[Any, PageLog], hostile_run: HostileRun) -> None:
    page, log = offline
    open_packet(page, hostile_run.packet / "index.html")
    packet = hostile_run.packet
    # members: tied by for every member; weakly tied ones first, with the warning
    members = pd.read_csv(packet / "members.csv", dtype={"merchant_id": str})
    heads = page.locator("#members thead th").all_inner_texts()
    tied = page.locator(f"#members tbody td:nth-child({heads.index('tied_by') + 1})")
    assert all(t.strip() for t in tied.all_inner_texts())
    weak = members.loc[(members["ties"] <= 1) & (members["risk_score"] < 20), "merchant_id"]
    assert len(weak) == 1, "the planted ring holds one honest shop tied by a phone"
    box = page.inner_text("#weak-ties")
    assert all(m in box for m in weak)
    first_ids = page.locator("#members tbody td:first-child").all_inner_texts()[: len(weak)]
    assert set(first_ids) == set(weak)
    # shared identifiers: the backbone (most shops, then parcels) first, with raw spellings
    ev = pd.read_csv(packet / "evidence.csv", dtype=str)
    cols = page.locator("#evidence thead th").all_inner_texts()
    shops = page.locator(f"#evidence tbody td:nth-child({cols.index('shops_in_ring') + 1})")
    counts = [int(x) for x in shops.all_inner_texts()]
    assert counts == sorted(counts, reverse=True)
    top = page.locator("#evidence tbody tr").first.inner_text()
    ev[["shops_in_ring", "shipments"]] = ev[["shops_in_ring", "shipments"]].astype(int)
    backbone = ev.sort_values(["shops_in_ring", "shipments"], ascending=False, kind="stable")
    assert backbone["raw_values"].iloc[0].split(" | ")[0] in top
    assert backbone["key"].iloc[0] in top
    prov = pd.read_csv(packet / "provenance.csv", dtype=str)
    assert page.locator("#provenance tbody tr").count() == len(prov)
    # the timeline keeps every month between the first and the last
    months = page.locator("#timeline-section table.timeline").first.locator("tbody td:first-child")
    shown = months.all_inner_texts()
    assert shown == list(pd.period_range(shown[0], shown[-1], freq="M").strftime("%Y-%m"))
    # parcels per day for the busiest sites, each day once, the counts adding up
    site = page.locator("details.site-days").first
    site.locator("summary").click()
    days = site.locator("tbody td:first-child").all_inner_texts()
    assert days == sorted(set(days))
    parcels = sum(int(x) for x in site.locator("tbody td:nth-child(2)").all_inner_texts())
    assert f"{parcels} parcels on {len(days)} days" in site.locator("summary").inner_text()
    # the offline map: one mark per lead with coordinates, on Natural Earth's outlines
    leads = hostile_run.result.leads
    ring_leads = leads.loc[leads["rings"].str.split(";").map(lambda r: hostile_run.ring_id in r)]
    located = ring_leads.dropna(subset=["lat", "lon"])
    assert len(located) > 0
    assert page.locator("#leads-map circle.lead").count() == len(located)
    assert page.locator("#leads-map path title", has_text="China").count() == 1
    assert "Natural Earth" in page.inner_text("#leads-section")
    # decisions and the seal's place are there
    assert "No decision on this ring yet" in page.inner_text("#decisions")
    assert "run.json" in page.inner_text("#seal")
    # print layout: the interactive graph and controls go, the picture comes
    page.emulate_media(media="print")
    assert page.is_hidden("#graph") and page.is_hidden("#node-search")
    assert page.is_visible("#graph-print svg")
    assert_clean(page, log)


def test_overview_links_leads_to_packets_and_shows_seals(
    offline: tuple[Any, PageLog], hostile_run: HostileRun
) -> None:
    import json
    from pathlib import Path

    page, log = offline
    page.goto((hostile_run.folder / "index.html").as_uri())
    page.wait_for_load_state("load")
    seals = json.loads((hostile_run.folder / "run.json").read_text("utf-8"))["packet_seals"]
    assert set(seals) == set(hostile_run.result.rings["ring_id"])
    rings_text = page.inner_text("#rings")
    assert all(seal in rings_text for seal in seals.values())
    hrefs = page.locator("#leads tbody a").evaluate_all("as => as.map(a => a.href)")
    assert len(hrefs) >= len(hostile_run.result.leads)
    assert all(Path(h.removeprefix("file://")).is_file() for h in hrefs)
    heads = page.locator("#leads thead th").all_inner_texts()
    assert {"raw_address", "lat", "lon"} <= set(heads)
    assert_clean(page, log)


def test_expand_a_shop_one_hop_outside_the_ring(
    offline: tuple[Any, PageLog], hostile_run: HostileRun
) -> None:
    import json
    import re

    page, log = offline
    found = None
    for html in sorted((hostile_run.folder / "packets").glob("*/index.html")):
        text = html.read_text(encoding="utf-8")
        m = re.search(r'<script id="graph-data" type="application/json">(.*?)</script>', text)
        assert m
        data = json.loads(m.group(1))
        if data["context"]:
            found = (html, data)
            break
    assert found, "some ring of the sample shares identifiers with shops outside it"
    html, data = found
    shop, ctx = next(iter(sorted(data["context"].items())))
    drawn = {n["id"] for n in data["nodes"]}
    new = {n["id"] for n in ctx["nodes"]} - drawn
    outside = {n["id"] for n in ctx["nodes"] if n["kind"] == "outside"}
    assert outside and outside <= new
    open_packet(page, html)
    before = page.evaluate("window.graphring.nodes.length")
    page.evaluate(f"window.graphring.network.selectNodes([{json.dumps(shop)}])")
    page.click("#graph-expand")
    assert page.evaluate("window.graphring.nodes.length") == before + len(new)
    assert f"Added {len(new)} nodes outside the ring" in page.inner_text("#graph-status")
    edges = page.evaluate("window.graphring.edges.get().map(e => [e.from, e.to])")
    for e in ctx["edges"]:
        assert [e["from"], e["to"]] in edges
    # a second expand adds nothing; search finds an outside shop
    assert page.evaluate(f"window.graphring.expand({json.dumps(shop)})") == 0
    some = sorted(outside)[0]
    page.fill("#node-search", some.removeprefix("x:"))
    page.press("#node-search", "Enter")
    assert page.evaluate("window.graphring.highlighted")[0] == some
    assert_clean(page, log)
