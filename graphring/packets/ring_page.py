"""One ring's packet page, section by section: summary, graph, members, shared identifiers,
offline sites, provinces, listings, timeline, decisions and chain of custody."""

from __future__ import annotations

import json
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from graphring.packets import pages
from graphring.packets.case import backbone_order, full_months
from graphring.packets.leadmap import leads_map_svg
from graphring.packets.timeline import DAY_SITES
from graphring.schema import (
    LISTING_EVIDENCE_COLUMNS,
    PACKET_EVIDENCE_COLUMNS,
    PACKET_LEAD_COLUMNS,
    PACKET_MEMBER_COLUMNS,
)
from graphring.scoring import CHEAP_SHARE
from graphring.ties import WEAK_RISK, weakly_tied

if TYPE_CHECKING:
    from graphring.pipeline import RunResult


def packet_chunks(
    result: RunResult,
    doc: dict[str, Any],
    members: pd.DataFrame,
    evidence: pd.DataFrame,
    leads: pd.DataFrame,
    listings: pd.DataFrame,
    graph: dict[str, Any],
    custody: dict[str, Any],
    provinces: pd.DataFrame,
    parts: dict[str, str],
    files: dict[str, str] | None = None,
    svg: str = "",
    custody_parts: tuple[str, str] | None = None,
) -> list[str]:
    """One ring's page in pieces (:func:`graphring.packets.pages.page_chunks`).

    ``members`` carries a ``shipments`` count per shop (and ``ties``, ``tied_by``);
    ``leads`` a ``ring_shipments`` count per site; ``provinces`` the ring's provinces
    (:func:`provinces_by_ring`); ``parts`` the page's tables and timeline as
    :func:`page_parts` makes them, made for every ring at once
    (:mod:`graphring.packets.batch`); ``files`` maps the packet's files to their SHA-256;
    ``svg`` is the graph for print; ``custody_parts``: :func:`custody_html` of ``custody``
    (the same on every page of a run: made once by the writer)."""
    rid = doc["ring_id"]
    decision_html = _decision(doc)
    sections = [
        _TOC,
        _summary(
            doc,
            members,
            evidence,
            leads,
            listings,
            provinces,
            decision_html,
            parts["weak"],
        ),
        _graph_section(graph, svg),
        _members_section(parts["members"]),
        _evidence_section(parts["evidence"], parts["provenance"]),
        _leads_section(leads, parts["leads"]),
        _provinces_section(parts["provinces"]),
        _listings_section(parts["listings"], len(listings)),
        _timeline_section(parts["timeline"], parts["days"]),
        _decisions_section(rid, doc, decision_html),
        _custody_section(custody, files, custody_parts),
    ]
    return pages.page_chunks(
        f"Ring {rid}",
        f"graphring investigation packet · run {result.run_id}",
        "\n" + "\n".join(sections),
        graph=graph,
        back="../../index.html",
    )


def page_parts(
    rid: str,
    members: pd.DataFrame,
    evidence: pd.DataFrame,
    leads: pd.DataFrame,
    listings: pd.DataFrame,
    provinces: pd.DataFrame,
    provenance: pd.DataFrame | None = None,
    timeline: pd.DataFrame | None = None,
    days: pd.DataFrame | None = None,
) -> dict[str, str]:
    """One ring's tables, weak-tie warning and timeline as its page shows them (the frames
    as :func:`packet_chunks` takes them; ``provinces`` with its ring_id)."""
    mem, weak = member_rows(members)
    ev = evidence_rows(evidence.assign(ring_id=rid))
    prov = provenance if provenance is not None else pd.DataFrame(columns=["kind"])
    ld = lead_rows(leads)
    return {
        "weak": weak_ties(rid, mem.loc[weak]),
        "members": pages.table(mem[PACKET_MEMBER_COLUMNS], "members", min_filter="risk_score"),
        "evidence": pages.table(ev[PACKET_EVIDENCE_COLUMNS], "evidence"),
        "provenance": pages.table(prov, "provenance", empty=NO_PROVENANCE),
        "leads": pages.table(ld[PACKET_LEAD_COLUMNS], "leads", min_filter="score"),
        "provinces": pages.table(provinces.drop(columns="ring_id"), "provinces", filter_box=False),
        "listings": pages.table(listings[LISTING_EVIDENCE_COLUMNS], "listings", empty=NO_LISTINGS),
        "timeline": _timeline(timeline),
        "days": _site_days(days, leads),
    }


NO_PROVENANCE = "no source rows"
NO_LISTINGS = "no suspicious listings"


def member_rows(members: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The members table's rows, weakly tied members first (each ring's in its own order),
    with role and warning; and which rows are weakly tied."""
    if "ties" not in members:
        members = members.assign(ties=0, tied_by="")
    weak = weakly_tied(members)
    mem = members.assign(
        role=members["core"].map({True: "core", False: "associate"}).fillna("core"),
        warning=weak.map({True: "weakly tied: check before deciding", False: ""}),
    )
    return pd.concat([mem.loc[weak], mem.loc[~weak]]), weak


def evidence_rows(evidence: pd.DataFrame) -> pd.DataFrame:
    """The shared-identifiers table's rows (with ring_id), backbone first."""
    for col in ("raw_values", "first_seen", "last_seen"):
        if col not in evidence:
            evidence = evidence.assign(**{col: ""})
    return backbone_order(
        evidence.assign(shops=evidence["merchant_ids"].str.replace(";", " ", regex=False))
    )


def lead_rows(leads: pd.DataFrame) -> pd.DataFrame:
    """The offline-sites table's rows."""
    return leads.assign(roles=leads["roles"].str.replace(";", ", ", regex=False))


def provinces_by_ring(members: pd.DataFrame) -> pd.DataFrame:
    """ring_id, province, shops, cities, mean_risk: most shops first within each ring."""
    m = members.assign(province=members["province"].fillna(""), city=members["city"].fillna(""))
    out = m.groupby(["ring_id", "province"], sort=True).agg(
        shops=("merchant_id", "nunique"),
        mean_risk=("risk_score", "mean"),
    )
    # each province's cities, sorted, without repeats or blanks
    cities = m.loc[m["city"] != "", ["ring_id", "province", "city"]].drop_duplicates()
    cities = cities.sort_values(["ring_id", "province", "city"])
    joined = _joined(cities, ["ring_id", "province"], "city", ", ")
    out.insert(1, "cities", joined.reindex(out.index, fill_value=""))
    out["mean_risk"] = out["mean_risk"].round(1)
    return out.reset_index().sort_values(
        ["ring_id", "shops", "province"], ascending=[True, False, True], kind="stable"
    )


def _joined(frame: pd.DataFrame, keys: list[str], column: str, sep: str) -> pd.Series:
    """``sep.join`` of ``column``'s values per group of ``keys`` (groups of neighbouring
    rows, ``frame`` sorted by ``keys``), indexed by the keys: the values are taken out
    once and joined per group (no Series per group)."""
    if frame.empty:
        return pd.Series(
            [], index=pd.MultiIndex.from_arrays([[]] * len(keys), names=keys), dtype=object
        )
    values = frame[column].tolist()
    first = ~frame[keys].duplicated().to_numpy()
    starts = np.flatnonzero(first).tolist() + [len(frame)]
    texts = [sep.join(values[a:b]) for a, b in pairwise(starts)]
    index = pd.MultiIndex.from_frame(frame.loc[first, keys])
    return pd.Series(texts, index=index, dtype=object)


_TOC = """<nav class="toc"><a href="#summary">summary</a><a href="#graph-section">graph</a>
<a href="#members-section">members</a><a href="#evidence-section">shared identifiers</a>
<a href="#leads-section">offline sites</a><a href="#provinces-section">provinces</a>
<a href="#listings-section">listings</a><a href="#timeline-section">timeline</a>
<a href="#decisions">decisions</a><a href="#custody">chain of custody</a></nav>"""


def _summary(
    doc: dict[str, Any],
    members: pd.DataFrame,
    evidence: pd.DataFrame,
    leads: pd.DataFrame,
    listings: pd.DataFrame,
    provinces: pd.DataFrame,
    decision_html: str,
    weak_html: str,
) -> str:
    """The score, what the ring holds, the decision, weak ties and the score's reasons."""
    esc = pages.esc
    reasons = "".join(
        f"<li><b>+{float(r['points']):g}</b> {esc(r['text'])}</li>" for r in doc["reasons"]
    )
    pills = " ".join(
        f'<span class="pill">{esc(p)} · {int(n)}</span>'
        for p, n in zip(provinces["province"], provinces["shops"], strict=True)
        if p
    )
    status = doc.get("status")
    status_html = f'<span class="status">status: {esc(status)}</span>' if status else ""
    n_ship = int(members["shipments"].sum()) if "shipments" in members else 0
    score = f"{float(doc['score']):g}/100"
    return f"""<section id="summary"><div class="score">{score} {status_html}</div>
<p>{int(doc["size"])} shops ({len(doc.get("associates", []))} associates) in
{len(doc["provinces"])} provinces; {len(evidence)} shared identifiers; {len(leads)} offline sites;
{n_ship} shipments; {len(listings)} suspicious listings.</p>
{decision_html}{weak_html}
<h3>Why this ring scores {float(doc["score"]):g}</h3><ul>{reasons}</ul>
<p>Provinces: {pills or '<span class="muted">not given in the data</span>'}</p></section>"""


def _graph_section(graph: dict[str, Any], svg: str) -> str:
    """The interactive graph, its controls, what it leaves out and its print picture."""
    left = graph.get("left_out", {})
    left_note = (
        f'<p class="warn">To stay readable the graph leaves out {int(left.get("shops", 0))} '
        f"shops, {int(left.get('identifiers', 0))} shared identifiers and "
        f"{int(left.get('origins', 0))} shipment origins (the least risky shops, the least rare "
        "identifiers, the quietest origins); the tables below list them all.</p>"
        if any(int(v) for v in left.values())
        else ""
    )
    return f"""<section id="graph-section"><h2>Graph</h2>{pages.legend(graph.get("legend", []))}
<div class="controls"><input id="node-search" class="search" list="node-names"
placeholder="find a node: shop id or name, address, phone…" aria-label="find a node">
<datalist id="node-names"></datalist><button id="node-search-go" type="button">find</button>
<button id="node-search-clear" type="button">clear</button>
<button id="graph-fit" type="button">fit</button>
<button id="graph-expand" type="button" title="or double-click a shop">expand shop</button>
<label>labels <select id="graph-labels"><option value="id">shop id</option>
<option value="name">shop name</option></select></label>
<label>time <input id="graph-until" type="range" min="0" max="0" value="0"
aria-label="show what was there up to a month"></label><span id="graph-until-day"
class="muted"></span>
<span id="graph-status" class="muted">laying out the graph…</span></div>
<div id="graph"></div>{left_note}
<figure class="print-only" id="graph-print">{svg}</figure>
<p class="muted">Shops are circles sized by risk; shared identifiers and shipment origins are
squares sized by how many of the ring's shops use them and how many parcels leave from them.
Shipments are counted per origin address (hover an orange line for a shop's count). A static
picture for print: <a href="graph.svg">graph.svg</a>.</p></section>"""


def _members_section(table: str) -> str:
    return f"""<section id="members-section"><h2>Members</h2>
<p class="muted">tied_by: the identifiers each shop shares with other members of this ring.
Weakly tied members (one tie, risk under {WEAK_RISK:g}) come first.</p>
{table}</section>"""


def _evidence_section(table: str, provenance_table: str) -> str:
    """Shared identifiers, backbone first, and the raw input rows behind them."""
    return f"""<section id="evidence-section"><h2>Shared identifiers, backbone first</h2>
<p class="muted">Ordered by how many of the ring's shops share the identifier, then parcels
sent from it, then rarity (how rare it is in the whole marketplace: 1 = held by these shops
only). shops_total counts every shop that holds it, in this ring or not. raw_values: the
spellings in the input; first_seen/last_seen: the earliest and latest opening of a shop that
holds it and parcel sent from it.</p>
{table}
<h3 id="provenance">Raw values and their sources</h3>
<p class="muted">Every input row behind a shared identifier: its spelling, file and line
(line 1 is the header). Also in <a href="provenance.csv">provenance.csv</a>.</p>
{provenance_table}</section>"""


def _leads_section(leads: pd.DataFrame, table: str) -> str:
    return f"""<section id="leads-section"><h2>Offline sites (leads)</h2>
{_lead_map(leads)}
<p class="muted">ring_shipments: parcels this ring's shops sent from the site; shipments: all
parcels sent from it.</p>
{table}</section>"""


def _provinces_section(table: str) -> str:
    return f"""<section id="provinces-section"><h2>Provinces</h2>
{table}</section>"""


def _listings_section(table: str, rows: int) -> str:
    return f"""<section id="listings-section"><h2>Counterfeit listing evidence</h2>
<p class="muted">Branded listings under {int(CHEAP_SHARE * 100)}% of the brand's retail price
(reference_price), and listings whose product image quotes another price (image_price, read
from the image text) than the price field.</p>
{table}
{_print_cut(rows, "listings")}</section>"""


def _timeline_section(timeline_html: str, days_html: str) -> str:
    return f"""<section id="timeline-section"><h2>Timeline</h2>
<p class="muted">Shops opened and parcels sent per month; months with neither are kept.</p>
{timeline_html}{days_html}</section>"""


def _decisions_section(rid: str, doc: dict[str, Any], decision_html: str) -> str:
    return f"""<section id="decisions"><h2>Decisions</h2>{decision_html or _no_decision(rid)}
{_excluded(doc)}</section>"""


def _custody_section(
    custody: dict[str, Any],
    files: dict[str, str] | None,
    around: tuple[str, str] | None = None,
) -> str:
    """Who made the packet, from which input files, its files' SHA-256 and the parameters
    (``around``: :func:`custody_html` of ``custody``, made once for every page)."""
    esc = pages.esc
    before, after = around if around is not None else custody_html(custody)
    file_rows = "".join(
        f"<tr><td><a href='{esc(name)}'>{esc(name)}</a></td>"
        f"<td><code>{esc(digest)}</code></td></tr>"
        for name, digest in (files or {}).items()
    )
    return before + file_rows + after


def custody_html(custody: dict[str, Any]) -> tuple[str, str]:
    """The chain-of-custody section of a page before and after its rows of the packet's
    files: the same on every page of a run."""
    esc = pages.esc
    inputs = "".join(
        f"<tr><td>{esc(k)}</td><td>{esc(v['file'])}</td><td class='num'>{esc(v['rows'])}</td>"
        f"<td><code>{esc(v['sha256'])}</code></td></tr>"
        for k, v in custody["inputs"].items()
    )
    before = f"""<section id="custody"><h2>Chain of custody</h2>
{
        pages.kv(
            [
                ("generated", custody["generated_at"]),
                ("by", f"graphring {custody['graphring_version']}"),
                ("run", custody["run_id"]),
                ("engine", custody["engine"]),
            ]
        )
    }
<h3>Input files</h3><table id="inputs"><thead><tr><th>table</th><th>file</th><th>rows</th>
<th>SHA-256</th></tr></thead><tbody>{inputs}</tbody></table>
<h3>Files of this packet</h3><p class="muted">SHA256SUMS in this folder lists these and this
page (check with <code>sha256sum -c SHA256SUMS</code>). The packet's seal, the SHA-256 of
SHA256SUMS itself, is kept outside it: in the run's run.json and overview, and in the
workspace's cases.jsonl with every decision.</p>
<p id="seal" class="seal">seal: see run.json (packet_seals)</p>
<table id="files"><thead><tr><th>file</th><th>SHA-256</th></tr></thead>
<tbody>"""
    after = f"""</tbody></table>
<h3>Parameters</h3><pre>{esc(json.dumps(custody["parameters"], indent=1, sort_keys=True))}</pre>
</section>"""
    return before, after


def _timeline(counts: pd.DataFrame | None) -> str:
    if counts is None or counts.empty:
        return '<p class="muted">no dates in the data</p>'
    frame = counts.droplevel(0) if isinstance(counts.index, pd.MultiIndex) else counts
    return pages.bars(full_months(frame), ("shops opened", "shipments sent"))


def _lead_map(leads: pd.DataFrame) -> str:
    svg = leads_map_svg(leads)
    if not svg:
        return '<p class="muted">No lead has coordinates: no map.</p>'
    return f'<figure id="leads-map">{svg}</figure>'


#: A printed packet lists this many suspicious listings (the page and its files hold all).
PRINTED_LISTINGS = 20


def _print_cut(rows: int, what: str) -> str:
    if rows <= PRINTED_LISTINGS:
        return ""
    return (
        f'<p class="print-note muted">Printed: the first {PRINTED_LISTINGS} of {rows} {what}, '
        "lowest share of retail first; the packet's page lists them all.</p>"
    )


def weak_ties(rid: str, weak: pd.DataFrame) -> str:
    """The warning over weakly tied members, with the command that takes one out."""
    if weak.empty:
        return ""
    esc = pages.esc
    items = "".join(
        f"<li><b>{esc(mid)}</b> {esc(name)}: risk "
        f"{esc(pages.fmt(risk))}, tied only by {esc(tied_by or 'nothing shared')}"
        f"<br><code>graphring ring exclude {esc(rid)} {esc(mid)} --workspace WS "
        '--note "…"</code></li>'
        for mid, name, risk, tied_by in zip(
            weak["merchant_id"].tolist(),
            weak["name"].tolist(),
            weak["risk_score"].tolist(),
            weak["tied_by"].tolist(),
            strict=True,
        )
    )
    return (
        f'<div class="warn-box" id="weak-ties"><b>&#9888; {len(weak)} weakly tied member'
        f"{'s' if len(weak) != 1 else ''}</b> (one tie to the ring and a risk under "
        f"{WEAK_RISK:g}): possibly an honest shop caught by one shared identifier. Check before "
        f"deciding on the ring; a shop taken out leaves it from the next run on.<ul>{items}</ul>"
        "</div>"
    )


def _decision(doc: dict[str, Any]) -> str:
    """The latest decision on the ring: status, note, who, when and on which run."""
    d = doc.get("decision")
    if not d:
        return ""
    esc = pages.esc
    note = f"<br>note: <q>{esc(d['note'])}</q>" if d.get("note") else ""
    return (
        f'<div class="decision" id="decision"><b>{esc(d["status"])}</b> by {esc(d["by"])} at '
        f"{esc(d['at'])} (on run {esc(d['run_id'])}){note}</div>"
    )


def _no_decision(rid: str) -> str:
    return (
        '<p class="muted">No decision on this ring yet: <code>graphring ring status '
        f'{pages.esc(rid)} confirmed|dismissed --workspace WS --note "…"</code>.</p>'
    )


def _excluded(doc: dict[str, Any]) -> str:
    """Shops investigators took out of this ring, with their notes."""
    rows = doc.get("excluded") or []
    if not rows:
        return '<p class="muted">No shop has been taken out of this ring.</p>'
    esc = pages.esc
    items = "".join(
        f"<tr><td>{esc(x['merchant_id'])}</td><td>{esc(x['note'])}</td><td>{esc(x['by'])}</td>"
        f"<td>{esc(x['at'])}</td><td>{esc(x['run_id'])}</td></tr>"
        for x in rows
    )
    return (
        '<h3>Shops taken out of this ring</h3><table id="excluded"><thead><tr><th>shop</th>'
        "<th>note</th><th>by</th><th>at</th><th>recorded on run</th></tr></thead>"
        f"<tbody>{items}</tbody></table>"
    )


def _site_days(days: pd.DataFrame | None, leads: pd.DataFrame) -> str:
    """Parcels per day for the ring's busiest sites, one foldable table each."""
    if days is None or days.empty:
        return ""
    esc = pages.esc
    totals = days.groupby("key")["parcels"].sum().sort_values(ascending=False, kind="stable")
    raw = dict(zip(leads["address"], leads.get("raw_address", leads["address"]), strict=True))
    top = totals.index[:DAY_SITES]
    by_site = {
        k: d.set_index("day")[["parcels"]]
        for k, d in days.loc[days["key"].isin(top)].groupby("key", sort=False)
    }
    parts = []
    for key in top:
        d = by_site[key]
        parts.append(
            f'<details class="site-days"><summary>{esc(raw.get(key) or key)} · '
            f"{int(totals[key])} parcels on {len(d)} days, {esc(d.index.min())} to "
            f"{esc(d.index.max())}</summary>"
            + pages.bars(d, ("parcels",), period="day")
            + "</details>"
        )
    return (
        "<h3>Parcels per day from the busiest sites</h3>"
        '<p class="muted">Days with parcels only; open a site to see them.</p>' + "".join(parts)
    )
