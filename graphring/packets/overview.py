"""The run's front page (index.html): summary, rings by score linked to their packets,
leads, supernodes, services, rows set aside and input files."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from graphring.packets import pages
from graphring.schema import OVERVIEW_LEAD_COLUMNS
from graphring.services import service_rule

if TYPE_CHECKING:
    from graphring.pipeline import RunResult


_TOC = (
    '<nav class="toc"><a href="#summary">run summary</a><a href="#rings-section">rings</a>'
    '<a href="#leads-section">leads</a><a href="#supernodes-section">supernodes</a>'
    '<a href="#services-section">services</a>'
    '<a href="#rejects-section">rejects</a><a href="#inputs-section">inputs</a></nav>'
)


def overview_html(
    result: RunResult,
    seals: dict[str, str] | None = None,
    parts: tuple[str, str] | None = None,
) -> str:
    """The run's front page: summary, rings by score (linked to packets) with their
    decisions and packet seals, leads. ``seals``: ring id -> SHA-256 of its SHA256SUMS;
    ``parts``: :func:`overview_parts` of ``result``, made before the seals are known."""
    before, after = parts if parts is not None else overview_parts(result)
    body = before + _rings_section(result, seals or {}) + after
    return pages.page("graphring run overview", f"run {result.run_id}", body)


def overview_parts(result: RunResult) -> tuple[str, str]:
    """The front page's body before and after its rings (which carry the packets' seals):
    made while the packets are written."""
    before = _TOC + f'<section id="summary"><h2>Run summary</h2>{_summary(result)}</section>'
    after = _leads_section(result) + _set_aside_sections(result) + _inputs_section(result)
    return before, after


def _summary(result: RunResult) -> str:
    """Rings (and those over the alert score), shops, links, what was set aside."""
    esc = pages.esc
    c = result.counts
    alert = result.settings.public().get("alert_score")
    over = (
        f" ({int((result.rings['ring_score'] >= float(alert)).sum())} scored "
        f"{float(alert):g} or more)"
        if alert is not None
        else ""
    )
    return (
        f"<p><b>{c['rings']}</b> rings{over}"
        + f" among {c['tables']['merchants']['loaded']} shops; {c['links']} shop links in "
        f"{c['components']} linked groups; <b>{c['rejected_rows']}</b> input rows set aside "
        f'(<a href="rejects.csv">rejects.csv</a>); <b>{len(result.supernodes)}</b> supernodes '
        f"set aside; <b>{len(result.services)}</b> services down-weighted. "
        f"Engine: {esc(result.engine)}. Started {esc(result.started)}.</p>"
        '<p class="muted">Files: <a href="rings.json">rings.json</a> · '
        '<a href="rings.csv">rings.csv</a> · <a href="leads.csv">leads.csv</a> · '
        '<a href="merchants.csv">merchants.csv</a> · <a href="run.json">run.json</a></p>'
    )


def _rings_section(result: RunResult, seals: dict[str, str]) -> str:
    """Rings by score, each linked to its packet, with its decision and packet seal."""
    rings = result.rings.assign(
        province_list=result.rings["province_list"].str.replace(";", ", ", regex=False),
        reasons=result.rings["reasons"].str.replace(";", "; ", regex=False),
        seal=result.rings["ring_id"].map(seals).fillna(""),
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
    return (
        '<section id="rings-section"><h2>Rings by score</h2>'
        + pages.table(
            rings,
            "rings",
            ring_cols,
            links={"ring_id": "packets/{}/index.html"},
            min_filter="ring_score",
            empty="no rings found",
        )
        + "</section>"
    )


def _leads_section(result: RunResult) -> str:
    return (
        '<section id="leads-section"><h2>Offline sites (leads)</h2>'
        + '<p class="muted">address: the normalized key that joins every spelling; '
        "raw_address: one spelling from the input.</p>"
        + pages.table(
            result.leads.assign(roles=result.leads["roles"].str.replace(";", ", ", regex=False)),
            "leads",
            OVERVIEW_LEAD_COLUMNS,
            min_filter="score",
            empty="no leads",
            multi_links={"rings": "packets/{}/index.html"},
        )
        + "</section>"
    )


def _set_aside_sections(result: RunResult) -> str:
    """Rows read and loaded per table, supernodes, services and rows set aside."""
    esc = pages.esc
    rule = service_rule(result.settings.service_min_holders, result.settings.service_max_cohesion)
    tables = pd.DataFrame(
        [{"table": k, **v} for k, v in sorted(result.counts["tables"].items())],
        columns=["table", "read", "loaded", "rejected"],
    )
    rejects = (
        result.rejects.groupby(["file", "column", "reason"]).size().rename("rows").reset_index()
        if len(result.rejects)
        else result.rejects.head(0)
    )
    return (
        '<section id="counts-section"><h2>Rows read, loaded and set aside</h2>'
        + pages.table(tables, "tables", filter_box=False)
        + '</section><section id="supernodes-section"><h2>Supernodes set aside</h2>'
        '<p class="muted">Identifiers held by more than '
        f"{esc(result.settings.public().get('supernode_max_merchants', ''))} shops link "
        "nobody.</p>"
        + pages.table(result.supernodes, "supernodes", filter_box=False, empty="none")
        + '</section><section id="services-section"><h2>Services down-weighted</h2>'
        f'<p class="muted">Services: identifiers {esc(rule)}.</p>'
        + pages.table(result.services, "services", filter_box=False, empty="none")
        + '</section><section id="rejects-section"><h2>Rows set aside</h2>'
        + pages.table(rejects, "rejects", filter_box=False, empty="none")
        + "</section>"
    )


def _inputs_section(result: RunResult) -> str:
    inputs = pd.DataFrame(
        [
            {"table": k, "file": s.path.name, "rows": s.rows, "sha256": s.sha256}
            for k, s in sorted(result.sources.items())
        ],
        columns=["table", "file", "rows", "sha256"],
    )
    return (
        '<section id="inputs-section"><h2>Input files</h2>'
        + pages.table(inputs, "inputs", filter_box=False)
        + "</section>"
    )
