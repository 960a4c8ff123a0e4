"""Write each ring's packet folder and the run overview page.

A packet is one folder an investigator can hand on as it is: ``index.html`` (opens offline,
everything inlined), ``graph.svg`` (for print), ``members.csv``, ``evidence.csv``,
``ring.json`` (with the chain of custody), ``ring.cypher`` and ``SHA256SUMS`` (the SHA-256
of every other file in the folder, to show later that nothing was changed).

The tables every packet draws on (listings, shipments, shipment origins) are cut per ring
once, with pandas, before the per-ring loop.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from graphring.packets import pages
from graphring.packets.case import (
    outside_context,
    seen,
    site_days,
    site_spans,
)
from graphring.packets.graph import context_data, ring_graph, ring_svg, vis_data
from graphring.packets.ring_page import packet_html, provinces_by_ring
from graphring.parallel import fork_map
from graphring.pipeline import RunResult
from graphring.progress import bar
from graphring.provenance import PROVENANCE_COLUMNS, provenance_table
from graphring.queries import query
from graphring.rundir import custody as chain_of_custody
from graphring.rundir.custody import dump_json, sha256_file
from graphring.schema import (
    LISTING_EVIDENCE_COLUMNS,
)
from graphring.scoring import listing_flags
from graphring.services import service_rule
from graphring.sheets import write_sheet_csv

#: Files whose SHA-256 ring.json records (index.html and ring.json are in SHA256SUMS).
HASHED_IN_JSON = ["members.csv", "evidence.csv", "provenance.csv", "graph.svg", "ring.cypher"]


def listing_evidence(listings: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Listings of ring members far below retail or whose image quotes another price
    (:func:`graphring.scoring.listing_flags`, the rule the scores use).

    ``members``: ring_id, merchant_id, name. One row per (ring, listing).
    """
    lst = listings.merge(
        members[["ring_id", "merchant_id", "name"]].rename(columns={"name": "shop_name"}),
        on="merchant_id",
    )
    flags = listing_flags(lst)
    # the rule the scores use (unrounded share); the page shows the share to 2 decimals
    cheap, mism = flags["cheap"], flags["image_mismatch"]
    lst["image_price"] = flags["image_price"]
    lst["share_of_retail"] = flags["share"].round(2)
    pct = (lst["share_of_retail"] * 100).round().astype("Int64").astype("string")
    why_cheap = ("at " + pct + "% of retail").where(cheap, "")
    said = lst["image_price"].map("{:g}".format, na_action="ignore").astype("string")
    why_img = ("image says " + said).where(mism, "")
    lst["why"] = (why_cheap + "; " + why_img).str.strip("; ")
    lst = lst.loc[cheap | mism]
    return lst[["ring_id", *LISTING_EVIDENCE_COLUMNS]].sort_values(
        ["ring_id", "share_of_retail", "listing_id"], kind="stable"
    )


def ring_origins(
    holdings: pd.DataFrame, members: pd.DataFrame, supernodes: pd.DataFrame
) -> pd.DataFrame:
    """Parcels each ring member sent from each origin address: ring_id, merchant_id, key,
    shipments. Supernode addresses (a national hub) are left out."""
    hub = supernodes.loc[supernodes["kind"] == "address", "key"]
    h = holdings.loc[
        (holdings["kind"] == "address") & (holdings["shipments"] > 0) & ~holdings["key"].isin(hub)
    ]
    h = h.merge(members[["ring_id", "merchant_id"]], on="merchant_id")
    return h.groupby(["ring_id", "merchant_id", "key"], as_index=False, sort=True)[
        "shipments"
    ].sum()


def monthly(members: pd.DataFrame, shipments: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shops opened and shipments sent per ring and month (``YYYY-MM``)."""
    opened = members.assign(month=pd.to_datetime(members["opened_on"]).dt.strftime("%Y-%m"))
    opened = opened.dropna(subset=["month"]).groupby(["ring_id", "month"]).size()
    sent = shipments[["merchant_id", "shipped_at"]].merge(
        members[["ring_id", "merchant_id"]], on="merchant_id"
    )
    sent = sent.assign(month=pd.to_datetime(sent["shipped_at"]).dt.strftime("%Y-%m"))
    per_shop = sent.groupby(["ring_id", "merchant_id"]).size().rename("shipments")
    sent = sent.dropna(subset=["month"]).groupby(["ring_id", "month"]).size()
    both = pd.concat({"shops opened": opened, "shipments sent": sent}, axis=1).fillna(0)
    return both.astype(int).sort_index(), per_shop.reset_index()


def _group(frame: pd.DataFrame, by: str) -> dict[Any, pd.DataFrame]:
    return {k: g for k, g in frame.groupby(by, sort=False)}


def write_packets(result: RunResult, docs: list[dict[str, Any]], folder: Path) -> None:
    """One packet folder per ring document (as rings.json holds it) under ``folder``.

    The per-ring tables are cut once; packets are then written over
    ``settings.processes()`` forked processes when there are enough rings to pay for it
    (each packet depends only on its ring, so the files are the same for any number)."""
    folder.mkdir(parents=True, exist_ok=True)
    if not docs:
        return
    sources = _PacketSources(result)
    workers = min(result.settings.processes(), len(docs) // PACKETS_PER_PROCESS)
    # every process takes every n-th ring: rings come largest score first, and interleaving
    # spreads the big ones
    shares = [(i, max(workers, 1)) for i in range(max(workers, 1))]
    fork_map(_write_share, (sources, docs, folder), shares, workers)


#: Below this many rings per extra process, forking costs more than it saves.
PACKETS_PER_PROCESS = 50


def _write_share(
    shared: tuple[_PacketSources, list[dict[str, Any]], Path], share: tuple[int, int]
) -> None:
    sources, docs, folder = shared
    first, step = share
    mine = docs[first::step]
    # one bar when one process writes every packet; forked writers would draw over each other
    for doc in bar(mine, len(mine), "packets") if step == 1 else mine:
        sources.write(doc, folder)


class _PacketSources:
    """What the packets draw on, cut per ring once."""

    def __init__(self, result: RunResult) -> None:
        self.result = result
        self.chain = chain_of_custody.custody(result)
        members = result.members
        self.members_by = _group(members, "ring_id")
        shipments = result.tables["shipments"]
        pairs = members[["ring_id", "merchant_id"]]
        spell = result.tables.get("spellings")
        if spell is None or spell.empty:
            spell = pd.DataFrame(
                columns=["ring_id", "kind", "key", "merchant_id", "raw", "file", "line"]
            )
        else:
            spell = spell.merge(pairs, on="merchant_id").merge(
                result.evidence[["ring_id", "kind", "key"]], on=["ring_id", "kind", "key"]
            )
        # spellings of all rings at once; each packet takes its cut
        self.provenance_by = _group(provenance_table(spell), "ring_id")
        raw = (
            spell.drop_duplicates(["ring_id", "kind", "key", "raw"])
            .groupby(["ring_id", "kind", "key"])["raw"]
            .agg(" | ".join)
            .rename("raw_values")
        )
        evidence = result.evidence.join(raw, on=["ring_id", "kind", "key"]).merge(
            seen(result.evidence, members, shipments), on=["ring_id", "kind", "key"], how="left"
        )
        # evidence.csv keeps the run's order (rarest first); the page lists the backbone first
        self.evidence_by = _group(evidence, "ring_id")
        days = site_days(members, shipments)
        self.days_by = _group(days, "ring_id")
        links = result.links
        context = (
            outside_context(
                links.memberships,
                links.identifiers,
                pairs,
                result.merchants.merge(
                    result.tables["merchants"][["merchant_id", "name"]], on="merchant_id"
                ),
            )
            if links is not None
            else None
        )
        self.context_by = _group(context, "ring_id") if context is not None else {}
        self.leads = result.leads.assign(ring=result.leads["rings"].str.split(";")).explode("ring")
        spans = site_spans(days).rename(columns={"ring_id": "ring", "key": "address"})
        self.leads = self.leads.merge(spans, on=["ring", "address"], how="left")
        self.leads_by = _group(self.leads, "ring")
        origins = ring_origins(result.tables["holdings"], members, result.supernodes)
        self.origins_by = _group(origins, "ring_id")
        self.no_origins = origins.head(0)
        self.ring_ships = origins.groupby(["ring_id", "key"])["shipments"].sum()
        self.listings_by = _group(listing_evidence(result.tables["listings"], members), "ring_id")
        self.timeline, per_shop = monthly(members, result.tables["shipments"])
        self.ships_by = _group(per_shop, "ring_id")
        self.timeline_rings = set(self.timeline.index.get_level_values(0))
        self.provinces_by = _group(provinces_by_ring(members), "ring_id")
        self.view = query("ring_view")

    def write(self, doc: dict[str, Any], folder: Path) -> None:
        result = self.result
        rid = doc["ring_id"]
        out = folder / rid
        out.mkdir()
        mem = self.members_by[rid]
        ev = self.evidence_by.get(rid, result.evidence.head(0))
        ld = self.leads_by.get(rid, self.leads.head(0))
        ld = ld.assign(
            ring_shipments=self.ring_ships.get(rid, pd.Series(dtype="int64"))
            .reindex(ld["address"])
            .fillna(0)
            .astype(int)
            .to_numpy()
        )
        write_sheet_csv(mem, out / "members.csv")
        write_sheet_csv(ev, out / "evidence.csv")
        prov = self.provenance_by.get(rid, _NO_PROVENANCE).drop(columns="ring_id")
        write_sheet_csv(prov, out / "provenance.csv")
        ids = [str(m) for m in mem["merchant_id"]]
        (out / "ring.cypher").write_text(
            f"// Ring {rid}: paste into Neo4j Browser against a graph loaded by graphring.\n"
            f":param members => {json.dumps(ids)};\n\n{self.view}",
            encoding="utf-8",
        )
        g = ring_graph(rid, mem, ev, self.origins_by.get(rid, self.no_origins))
        svg = ring_svg(g)
        (out / "graph.svg").write_text(svg, encoding="utf-8")
        files = {name: sha256_file(out / name) for name in HASHED_IN_JSON}
        dump_json(out / "ring.json", {**doc, "custody": self.chain, "files": files})
        files["ring.json"] = sha256_file(out / "ring.json")
        ships = self.ships_by.get(rid)
        shop_ships = (
            mem["merchant_id"].map(ships.set_index("merchant_id")["shipments"])
            if ships is not None
            else pd.Series(0, index=mem.index)
        )
        page_members = mem.assign(shipments=shop_ships.fillna(0).astype(int))
        page = packet_html(
            result,
            doc,
            page_members,
            ev,
            ld,
            self.listings_by.get(rid, _EMPTY_LISTINGS),
            {**vis_data(g), "context": context_data(self.context_by.get(rid, _NO_CONTEXT))},
            self.chain,
            self.timeline.loc[rid] if rid in self.timeline_rings else None,
            files,
            self.provinces_by[rid],
            prov,
            self.days_by.get(rid),
            svg,
        )
        (out / "index.html").write_text(page, encoding="utf-8")
        files["index.html"] = sha256_file(out / "index.html")
        (out / "SHA256SUMS").write_text(
            "".join(f"{digest}  {name}\n" for name, digest in sorted(files.items())),
            encoding="utf-8",
        )


_EMPTY_LISTINGS = pd.DataFrame({c: pd.Series(dtype=object) for c in LISTING_EVIDENCE_COLUMNS})
_NO_CONTEXT = pd.DataFrame(columns=["merchant_id", "kind", "key", "outside"])
_NO_PROVENANCE = pd.DataFrame(columns=["ring_id", *PROVENANCE_COLUMNS])


def overview_html(result: RunResult, seals: dict[str, str] | None = None) -> str:
    """The run's front page: summary, rings by score (linked to packets) with their
    decisions and packet seals, leads. ``seals``: ring id -> SHA-256 of its SHA256SUMS."""
    esc = pages.esc
    c = result.counts
    sn = result.supernodes
    rule = service_rule(result.settings.service_min_holders, result.settings.service_max_cohesion)
    tables = pd.DataFrame(
        [{"table": k, **v} for k, v in sorted(c["tables"].items())],
        columns=["table", "read", "loaded", "rejected"],
    )
    inputs = pd.DataFrame(
        [
            {"table": k, "file": s.path.name, "rows": s.rows, "sha256": s.sha256}
            for k, s in sorted(result.sources.items())
        ],
        columns=["table", "file", "rows", "sha256"],
    )
    rejects = (
        result.rejects.groupby(["file", "column", "reason"]).size().rename("rows").reset_index()
        if len(result.rejects)
        else result.rejects.head(0)
    )
    rings = result.rings.assign(
        province_list=result.rings["province_list"].str.replace(";", ", ", regex=False),
        reasons=result.rings["reasons"].str.replace(";", "; ", regex=False),
        seal=result.rings["ring_id"].map(seals or {}).fillna(""),
    )
    if "decided_at" in rings.columns:
        decided = rings["decided_at"].astype(str) != ""
        rings["decision"] = (
            (rings["status"] + " by " + rings["decided_by"] + " at " + rings["decided_at"])
            + rings["note"].map(lambda n: f": {n}" if n else "")
        ).where(decided, "")
    ring_cols = [
        "ring_id",
        "ring_score",
        *(["status"] if "status" in rings.columns else []),
        *(["decision"] if "decision" in rings.columns else []),
        "size",
        "associates",
        "provinces",
        "kinds",
        "density",
        "province_list",
        "reasons",
        "seal",
    ]
    alert = result.settings.public().get("alert_score")
    over = (
        f" ({int((result.rings['ring_score'] >= float(alert)).sum())} scored "
        f"{float(alert):g} or more)"
        if alert is not None
        else ""
    )
    summary = (
        f"<p><b>{c['rings']}</b> rings{over}"
        + f" among {c['tables']['merchants']['loaded']} shops; {c['links']} shop links in "
        f"{c['components']} linked groups; <b>{c['rejected_rows']}</b> input rows set aside "
        f'(<a href="rejects.csv">rejects.csv</a>); <b>{len(sn)}</b> supernodes set aside; '
        f"<b>{len(result.services)}</b> services down-weighted. "
        f"Engine: {esc(result.engine)}. Started {esc(result.started)}.</p>"
        '<p class="muted">Files: <a href="rings.json">rings.json</a> · '
        '<a href="rings.csv">rings.csv</a> · <a href="leads.csv">leads.csv</a> · '
        '<a href="merchants.csv">merchants.csv</a> · <a href="run.json">run.json</a></p>'
    )
    body = (
        '<nav class="toc"><a href="#summary">run summary</a><a href="#rings-section">rings</a>'
        '<a href="#leads-section">leads</a><a href="#supernodes-section">supernodes</a>'
        '<a href="#services-section">services</a>'
        '<a href="#rejects-section">rejects</a><a href="#inputs-section">inputs</a></nav>'
        f'<section id="summary"><h2>Run summary</h2>{summary}</section>'
        '<section id="rings-section"><h2>Rings by score</h2>'
        + pages.table(
            rings,
            "rings",
            ring_cols,
            links={"ring_id": "packets/{}/index.html"},
            min_filter="ring_score",
            empty="no rings found",
        )
        + '</section><section id="leads-section"><h2>Offline sites (leads)</h2>'
        + '<p class="muted">address: the normalized key that joins every spelling; '
        "raw_address: one spelling from the input.</p>"
        + pages.table(
            result.leads.assign(roles=result.leads["roles"].str.replace(";", ", ", regex=False)),
            "leads",
            [
                "address",
                "raw_address",
                "score",
                "rings",
                "ring_shops",
                "shops",
                "shipments",
                "roles",
                "province",
                "city",
                "lat",
                "lon",
            ],
            min_filter="score",
            empty="no leads",
            multi_links={"rings": "packets/{}/index.html"},
        )
        + '</section><section id="counts-section"><h2>Rows read, loaded and set aside</h2>'
        + pages.table(tables, "tables", filter_box=False)
        + '</section><section id="supernodes-section"><h2>Supernodes set aside</h2>'
        '<p class="muted">Identifiers held by more than '
        f"{esc(result.settings.public().get('supernode_max_merchants', ''))} shops link "
        "nobody.</p>"
        + pages.table(sn, "supernodes", filter_box=False, empty="none")
        + '</section><section id="services-section"><h2>Services down-weighted</h2>'
        f'<p class="muted">Services: identifiers {esc(rule)}.</p>'
        + pages.table(result.services, "services", filter_box=False, empty="none")
        + '</section><section id="rejects-section"><h2>Rows set aside</h2>'
        + pages.table(rejects, "rejects", filter_box=False, empty="none")
        + '</section><section id="inputs-section"><h2>Input files</h2>'
        + pages.table(inputs, "inputs", filter_box=False)
        + "</section>"
    )
    return pages.page("graphring run overview", f"run {result.run_id}", body)
