"""Write each ring's packet folder and the run overview page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from graphring.packets import pages
from graphring.packets.graph import ring_graph, ring_svg, vis_data
from graphring.pipeline import RunResult
from graphring.queries import query
from graphring.scoring import CHEAP_SHARE, image_prices

MEMBER_COLUMNS = [
    "merchant_id",
    "name",
    "core",
    "risk_score",
    "province",
    "city",
    "platform",
    "opened_on",
    "monthly_orders",
    "rating",
    "reasons",
]
EVIDENCE_COLUMNS = [
    "kind",
    "key",
    "roles",
    "shops_in_ring",
    "shops_total",
    "rarity",
    "shipments",
    "merchant_ids",
]


def _listing_evidence(listings: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    lst = listings.loc[listings["merchant_id"].isin(ids)].copy()
    lst["image_price"] = image_prices(lst["image_text"])
    lst["share_of_retail"] = (lst["price"] / lst["reference_price"]).round(2)
    cheap = lst["share_of_retail"] < CHEAP_SHARE
    mism = lst["image_price"].notna() & (
        (lst["image_price"] - lst["price"]).abs() > 0.1 * lst["price"]
    )
    lst = lst.loc[cheap | mism]
    return lst[
        [
            "listing_id",
            "merchant_id",
            "brand",
            "title",
            "price",
            "reference_price",
            "share_of_retail",
            "image_text",
            "image_price",
        ]
    ]


def _timeline(members: pd.DataFrame, shipments: pd.DataFrame, ids: list[str]) -> str:
    opened = pd.to_datetime(members["opened_on"]).dt.strftime("%Y-%m").value_counts().sort_index()
    sent = shipments.loc[shipments["merchant_id"].isin(ids), "shipped_at"].dropna()
    sent = sent.dt.strftime("%Y-%m").value_counts().sort_index()
    return (
        "<h3>Shops opened</h3>"
        + pages.bars(opened, "shops opened")
        + "<h3>Shipments sent</h3>"
        + pages.bars(sent, "shipments")
    )


def packet_html(
    result: RunResult,
    doc: dict[str, Any],
    members: pd.DataFrame,
    evidence: pd.DataFrame,
    leads: pd.DataFrame,
    listings: pd.DataFrame,
    graph: dict[str, Any],
    custody: dict[str, Any],
) -> str:
    rid = doc["ring_id"]
    esc = pages.esc
    reasons = "".join(f"<li><b>+{r['points']:g}</b> {esc(r['text'])}</li>" for r in doc["reasons"])
    provinces = " ".join(f'<span class="pill">{esc(p)}</span>' for p in doc["provinces"])
    inputs = "".join(
        f"<tr><td>{esc(k)}</td><td>{esc(v['file'])}</td><td>{v['rows']}</td>"
        f"<td><code>{esc(v['sha256'])}</code></td></tr>"
        for k, v in custody["inputs"].items()
    )
    body = f"""
<section><div class="score">{doc["score"]:g}/100</div>
<p>{doc["size"]} shops in {len(doc["provinces"])} provinces;
{len(doc["shared_identifiers"])} shared identifiers; {len(doc["leads"])} offline sites.</p>
<ul>{reasons}</ul><p>Provinces: {provinces}</p></section>
<section><h2>Graph</h2>{pages.legend()}
<input id="node-search" class="filter" placeholder="find a node (shop id, address…), Enter">
<div id="graph"></div><p class="muted">Shipments are counted per origin address.
A static picture for print: <a href="graph.svg">graph.svg</a>.</p></section>
<section><h2>Members</h2>{pages.table(members[MEMBER_COLUMNS], "members")}</section>
<section><h2>Shared identifiers, rarest first</h2>
{pages.table(evidence[EVIDENCE_COLUMNS], "evidence")}</section>
<section><h2>Offline sites (leads)</h2>
{
        pages.table(
            leads[
                [
                    "address",
                    "raw_address",
                    "score",
                    "ring_shops",
                    "shops",
                    "shipments",
                    "roles",
                    "province",
                    "city",
                    "lat",
                    "lon",
                ]
            ],
            "leads",
        )
    }</section>
<section><h2>Counterfeit listing evidence</h2>
<p class="muted">Branded listings under {int(CHEAP_SHARE * 100)}% of the brand's retail price,
and listings whose product image quotes another price than the price field.</p>
{pages.table(listings, "listings")}</section>
<section><h2>Timeline</h2>{
        _timeline(members, result.tables["shipments"], list(members["merchant_id"]))
    }</section>
<section><h2>Chain of custody</h2><p>Generated {esc(custody["generated_at"])} by graphring
{esc(custody["graphring_version"])}, run {esc(custody["run_id"])}, engine
{esc(custody["engine"])}.</p><table><thead><tr><th>table</th><th>file</th><th>rows</th>
<th>SHA-256</th></tr></thead><tbody>{inputs}</tbody></table>
<details><summary>parameters</summary><pre>{esc(json.dumps(custody["parameters"], indent=1))}
</pre></details></section>"""
    return pages.page(
        f"Ring {rid}", f"graphring investigation packet · run {result.run_id}", body, graph=graph
    )


def write_packets(result: RunResult, docs: list[dict[str, Any]], folder: Path) -> None:
    from graphring.export import _dump, custody

    folder.mkdir(parents=True, exist_ok=True)
    chain = custody(result)
    members_by = result.members.groupby("ring_id", sort=False)
    evidence_by = result.evidence.groupby("ring_id", sort=False)
    leads = result.leads.assign(ring=result.leads["rings"].str.split(";")).explode("ring")
    leads_by = leads.groupby("ring", sort=False)
    view = query("ring_view")
    for doc in docs:
        rid = doc["ring_id"]
        out = folder / rid
        out.mkdir()
        mem = members_by.get_group(rid)
        ev = evidence_by.get_group(rid) if rid in evidence_by.groups else result.evidence.head(0)
        ld = leads_by.get_group(rid) if rid in leads_by.groups else leads.head(0)
        mem.to_csv(out / "members.csv", index=False)
        ev.to_csv(out / "evidence.csv", index=False)
        _dump(out / "ring.json", {**doc, "custody": chain})
        ids = [str(m) for m in mem["merchant_id"]]
        (out / "ring.cypher").write_text(
            f"// Ring {rid}: paste into Neo4j Browser against a graph loaded by graphring.\n"
            f":param members => {json.dumps(ids)};\n\n{view}",
            encoding="utf-8",
        )
        g = ring_graph(rid, mem, ev)
        (out / "graph.svg").write_text(ring_svg(g), encoding="utf-8")
        listings = _listing_evidence(result.tables["listings"], ids)
        (out / "index.html").write_text(
            packet_html(result, doc, mem, ev, ld, listings, vis_data(g), chain), encoding="utf-8"
        )


def overview_html(result: RunResult) -> str:
    esc = pages.esc
    rings = result.rings.copy()
    c = result.counts
    sn = result.supernodes
    summary = (
        f"<p>{c['rings']} rings from {c['tables']['merchants']['loaded']} shops; "
        f"{c['links']} shop links in {c['components']} linked groups; "
        f"{c['rejected_rows']} input rows set aside (rejects.csv); "
        f"{len(sn)} supernodes set aside. Engine: {esc(result.engine)}.</p>"
    )
    sn_html = pages.table(sn, "supernodes", filter_box=False) if len(sn) else ""
    body = (
        f"<section><h2>Run summary</h2>{summary}</section>"
        f"<section><h2>Rings by score</h2>"
        + pages.table(
            rings,
            "rings",
            [
                "ring_id",
                "ring_score",
                "size",
                "associates",
                "provinces",
                "kinds",
                "province_list",
                "reasons",
            ],
            links={"ring_id": "packets/{}/index.html"},
        )
        + "</section><section><h2>Offline sites (leads)</h2>"
        + pages.table(
            result.leads,
            "leads",
            ["address", "score", "rings", "ring_shops", "shops", "shipments", "roles", "province"],
        )
        + f"</section><section><h2>Supernodes set aside</h2>{sn_html}</section>"
    )
    return pages.page("graphring run overview", f"run {result.run_id}", body)
