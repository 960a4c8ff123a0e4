"""The investigator's API, for notebooks: run or reopen an investigation, rank its rings,
open one, and look at its shops, evidence, offline sites, timeline and cheap listings, a
shop's neighbourhood, and what two rings have in common. Graphs show inline in JupyterLab,
classic Notebook, VS Code and Colab, offline: each is a self-contained page (vis-network
inlined from the pyvis package) inside an ``<iframe srcdoc>``.

>>> import tempfile
>>> from graphring.sample import write_sample
>>> info = write_sample(tempfile.mkdtemp(), n_shops=2500, seed=3)
>>> inv = investigate(info.data_dir)          # load, link, detect, score: seconds
>>> rings = inv.rings()                       # ranked by score, best first
>>> rings[["ring_id", "score", "size"]].head(3)  # doctest: +SKIP
>>> bool(rings["score"].is_monotonic_decreasing)
True
>>> ring = inv.ring(rings["ring_id"].iloc[0])
>>> len(ring.members) == ring.size + int((~ring.members["core"]).sum())
True
>>> ring.show()                               # doctest: +SKIP

A run folder written earlier (``graphring detect``, ``graphring demo`` or
:meth:`Investigation.write`) opens from its files, without detecting anything again:

>>> folder = inv.write(tempfile.mkdtemp() + "/run")
>>> again = open_run(folder, data_dir=info.data_dir)
>>> again.rings()["ring_id"].tolist() == rings["ring_id"].tolist()
True
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import pandas as pd

from graphring.config import Settings, load_settings
from graphring.packets import graph as ring_graphs
from graphring.packets.pages import script_json, vis_assets
from graphring.packets.write import listing_evidence
from graphring.pipeline import EVIDENCE_COLUMNS
from graphring.stores.base import Store

if TYPE_CHECKING:
    from graphring.pipeline import RunResult

__all__ = [
    "Investigation",
    "NeedsInputData",
    "Neighbourhood",
    "Ring",
    "graph_html",
    "investigate",
    "open_run",
    "sample_investigation",
]

#: Cypher clauses that write: :meth:`Investigation.cypher` runs no query holding one.
_WRITES = re.compile(
    r"\b(CREATE|MERGE|DELETE|DETACH|SET|REMOVE|DROP|FOREACH|LOAD\s+CSV)\b"
    r"|\.(write|mutate|create|merge|delete|refactor|periodic)\b",
    re.IGNORECASE,
)
#: Shops shown at most in a neighbourhood's graph (the tables keep them all).
MAX_NEIGHBOURHOOD_SHOPS = 400
_STR = str  # the dtype given to id and key columns when reading CSV


class NeedsInputData(LookupError):
    """An answer needs the run's input tables (listings, shipments, who holds what), and
    this investigation was opened from a run folder without them."""


# -- reading a run folder --------------------------------------------------------------------

_MEMBER_DTYPES = {
    "ring_id": _STR,
    "merchant_id": _STR,
    "name": _STR,
    "platform": _STR,
    "province": _STR,
    "city": _STR,
    "reasons": _STR,
}
_EVIDENCE_DTYPES = {
    "ring_id": _STR,
    "kind": _STR,
    "key": _STR,
    "roles": _STR,
    "merchant_ids": _STR,
}
_LEAD_DTYPES = {
    "address": _STR,
    "rings": _STR,
    "roles": _STR,
    "merchant_ids": _STR,
    "province": _STR,
    "city": _STR,
    "reasons": _STR,
}
_EVIDENCE_COLUMNS = EVIDENCE_COLUMNS


def _read_csv(path: Path, dtypes: dict[str, Any]) -> pd.DataFrame:
    return pd.read_csv(path, dtype=dtypes, encoding="utf-8")


def _clean_members(members: pd.DataFrame) -> pd.DataFrame:
    m = members.copy()
    m["core"] = m["core"].astype(str).str.lower().isin(["true", "1"])
    m["opened_on"] = pd.to_datetime(m["opened_on"], errors="coerce")
    for col in ["monthly_orders", "rating", "risk_score"]:
        if col in m:
            m[col] = pd.to_numeric(m[col], errors="coerce").astype("float64")
    m["reasons"] = m["reasons"].fillna("")
    return m.reset_index(drop=True)


def _clean_evidence(evidence: pd.DataFrame) -> pd.DataFrame:
    ev = evidence.copy()
    ev["roles"] = ev["roles"].fillna("")
    for col in ["shops_in_ring", "shops_total", "shipments"]:
        ev[col] = pd.to_numeric(ev[col]).astype("int64")
    ev["rarity"] = pd.to_numeric(ev["rarity"]).astype("float64")
    return ev[_EVIDENCE_COLUMNS].reset_index(drop=True)


def _settings_from(parameters: dict[str, Any]) -> Settings:
    known = {f.name for f in fields(Settings)}
    return load_settings(env={}, **{k: v for k, v in parameters.items() if k in known})


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- the graph pages -------------------------------------------------------------------------

_GRAPH_JS = """
(function(){var data=JSON.parse(document.getElementById('graph-data').textContent);
function tip(x){if(typeof x.title==='string'){var d=document.createElement('div');
d.style.whiteSpace='pre-line';d.textContent=x.title;x.title=d}}
data.nodes.forEach(tip);data.edges.forEach(tip);
var nodes=new vis.DataSet(data.nodes),edges=new vis.DataSet(data.edges);
var box=document.getElementById('graph');
var net=new vis.Network(box,{nodes:nodes,edges:edges},{physics:{solver:'forceAtlas2Based',
stabilization:{iterations:300,fit:true}},interaction:{hover:true,tooltipDelay:120},
nodes:{font:{size:11}},edges:{color:'#bbb'}});
window.graphring={network:net,nodes:nodes,edges:edges,stabilized:false};
net.once('stabilizationIterationsDone',function(){net.setOptions({physics:false});net.fit();
window.graphring.stabilized=true;box.dataset.ready='1'});
var find=document.getElementById('find');find.addEventListener('change',function(){
var q=find.value.toLowerCase();var hit=nodes.get().find(function(n){return String(n.label)
.toLowerCase().indexOf(q)>=0||String(n.id).toLowerCase().indexOf(q)>=0});if(!hit)return;
net.selectNodes([hit.id].concat(net.getConnectedNodes(hit.id)));
net.focus(hit.id,{scale:1.2,animation:false})})})();
"""

_PAGE_STYLE = """
html,body{height:100%}body{margin:0;display:flex;flex-direction:column;color:#222;
font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#fff}
.bar{display:flex;flex-wrap:wrap;gap:4px 12px;align-items:center;padding:4px 8px;
font-size:12px;border-bottom:1px solid #eee}.bar b{font-size:13px}
.key i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}
.key i.dot{border-radius:5px}#find{font-size:12px;padding:2px 4px;width:200px;
margin-left:auto}#graph{flex:1;min-height:0;position:relative}
div.vis-tooltip{max-width:440px;white-space:normal;font-family:inherit;font-size:12px}
"""


@cache
def _tooltip_css() -> str:
    """Only the tooltip rules of vis-network's stylesheet (the rest styles buttons and
    pickers the graphs do not use, 200 KB of inlined images)."""
    _, css = vis_assets()
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", css)
    return "".join(f"{sel.strip()}{{{body}}}" for sel, body in rules if "vis-tooltip" in sel)


def graph_document(
    nodes: list[dict[str, Any]],
    edges: list[dict[str, Any]],
    title: str,
    legend: list[tuple[str, str, int, bool]],
    note: str = "",
) -> str:
    """A whole HTML page showing one graph with vis-network, everything inlined: no
    request leaves the page (its Content-Security-Policy forbids them too).

    ``legend``: (label, colour, count, round) per kind shown.
    """
    js, _ = vis_assets()
    key = "".join(
        f'<span class="key"><i class="{"dot" if dot else ""}" style="background:{colour}">'
        f"</i>{html.escape(label)} ({count})</span>"
        for label, colour, count, dot in legend
    )
    note_html = f'<span class="note">{html.escape(note)}</span>' if note else ""
    # only these two scripts may run: the policy names them by hash, not 'unsafe-inline'
    scripts = f"{_script_hash(js)} {_script_hash(_GRAPH_JS)}"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        f"script-src {scripts}; style-src 'unsafe-inline'; img-src data:\">"
        '<meta name="referrer" content="no-referrer">'
        f"<title>{html.escape(title)}</title><style>{_tooltip_css()}{_PAGE_STYLE}</style>"
        f'</head><body><div class="bar"><b>{html.escape(title)}</b>'
        f'{key}{note_html}<input id="find" placeholder="find a node, Enter"></div>'
        '<div id="graph"></div>'
        f'<script id="graph-data" type="application/json">'
        f"{script_json({'nodes': nodes, 'edges': edges})}</script>"
        f"<script>{js}</script><script>{_GRAPH_JS}</script></body></html>"
    )


@cache
def _script_hash(source: str) -> str:
    """The CSP source expression allowing exactly this inline script."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def graph_html(document: str, height: int = 640, label: str = "graph", nodes: int = 0) -> str:
    """``document`` as an ``<iframe srcdoc>``: the one form of inline HTML with scripts
    that JupyterLab, Notebook, VS Code, Colab and nbconvert's HTML all show. Scripts run in
    a sandbox, apart from the notebook's page."""
    return (
        f'<div class="graphring-graph"><iframe srcdoc="{html.escape(document, quote=True)}" '
        'sandbox="allow-scripts" '
        f'title="{html.escape(label, quote=True)}" data-graphring-nodes="{nodes}" '
        f'style="width:100%;height:{int(height)}px;border:1px solid #ccc" '
        'frameborder="0"></iframe></div>'
    )


def _show(markup: str, text: str) -> None:
    """Display HTML in the notebook, with a line of text where HTML cannot show."""
    from IPython.display import display

    display({"text/html": markup, "text/plain": text}, raw=True)


def _legend(
    g: nx.Graph, colours: dict[str, str], labels: dict[str, str], round_kinds: Iterable[str]
) -> list[tuple[str, str, int, bool]]:
    counts = pd.Series([k for _, k in g.nodes(data="kind")], dtype=object).value_counts()
    dots = set(round_kinds)
    return [
        (labels.get(k, k), c, int(counts[k]), k in dots) for k, c in colours.items() if k in counts
    ]


# -- a ring ----------------------------------------------------------------------------------


@dataclass(eq=False)
class Ring:
    """One suspected ring: what it is, who is in it, what gives it away, where to go.

    >>> inv = sample_investigation()
    >>> ring = inv.largest_ring()
    >>> ring.size == int(ring.members["core"].sum())
    True
    >>> list(ring.timeline.columns)
    ['shops_opened', 'shipments']
    >>> bool((ring.listings["share_of_retail"] < 1).all())
    True
    >>> "<iframe srcdoc=" in ring.graph_html()
    True
    """

    ring_id: str
    score: float
    #: core members (associates, shops hanging on by one tie, are extra)
    size: int
    status: str
    provinces: list[str]
    #: points, text: why the ring scores what it does
    reasons: pd.DataFrame
    #: every member: core shops first, then associates; risk and its reasons per shop
    members: pd.DataFrame
    #: identifiers two or more members share, rarest first
    evidence: pd.DataFrame
    #: offline sites serving this ring's shops, best first
    leads: pd.DataFrame
    _inv: Investigation = field(repr=False)

    def __repr__(self) -> str:
        return (
            f"<Ring {self.ring_id}: score {self.score:g}, {self.size} shops in "
            f"{len(self.provinces)} provinces, {len(self.evidence)} shared identifiers, "
            f"{len(self.leads)} offline sites>"
        )

    @property
    def merchant_ids(self) -> list[str]:
        return [str(m) for m in self.members["merchant_id"]]

    @property
    def packet(self) -> Path | None:
        """The ring's packet folder in the run folder (None before the run is written)."""
        if self._inv.folder is None:
            return None
        path = self._inv.folder / "packets" / self.ring_id
        return path if path.is_dir() else None

    @property
    def timeline(self) -> pd.DataFrame:
        """Shops opened and parcels shipped per month (``YYYY-MM``), every month between the
        first and the last. Rings open many shops at once and ship from the first week."""
        shipments = self._inv.tables()["shipments"]
        opened = pd.to_datetime(self.members["opened_on"]).dropna().dt.to_period("M")
        sent = shipments.loc[shipments["merchant_id"].isin(self.merchant_ids), "shipped_at"]
        sent = pd.to_datetime(sent).dropna().dt.to_period("M")
        both = pd.concat([opened, sent])
        if both.empty:
            empty = pd.DataFrame({"shops_opened": [], "shipments": []}, dtype="int64")
            return empty.rename_axis("month")
        months = pd.period_range(both.min(), both.max(), freq="M")
        out = pd.DataFrame(
            {
                "shops_opened": opened.value_counts().reindex(months, fill_value=0),
                "shipments": sent.value_counts().reindex(months, fill_value=0),
            }
        ).astype("int64")
        out.index = pd.Index(months.strftime("%Y-%m"), name="month")
        return out

    @property
    def listings(self) -> pd.DataFrame:
        """Counterfeit listing evidence: branded listings under ``CHEAP_SHARE`` of the
        brand's retail price, and listings whose image quotes another price; cheapest first."""
        members = self.members.assign(ring_id=self.ring_id)
        found = listing_evidence(self._inv.tables()["listings"], members)
        return found.drop(columns="ring_id").reset_index(drop=True)

    @property
    def graph(self) -> nx.Graph:
        """Shops, the identifiers they share and the addresses their parcels leave from, as
        the packet draws them (:func:`graphring.packets.graph.ring_graph`)."""
        return ring_graphs.ring_graph(
            self.ring_id, self.members, self.evidence, self._inv._origins(self.merchant_ids)
        )

    def graph_html(self, height: int = 640) -> str:
        """The ring's graph as inline HTML (an ``<iframe srcdoc>``, self-contained)."""
        g = self.graph
        data = ring_graphs.vis_data(g)
        nodes: list[dict[str, Any]] = list(data["nodes"])  # type: ignore[call-overload]
        edges: list[dict[str, Any]] = list(data["edges"])  # type: ignore[call-overload]
        left = ring_graphs.left_out(g) if hasattr(ring_graphs, "left_out") else {}
        note = ", ".join(f"{v} {k}" for k, v in left.items() if v)
        title = f"Ring {self.ring_id} · score {self.score:g} · {g.number_of_nodes()} nodes"
        doc = graph_document(
            nodes,
            edges,
            title,
            _legend(
                g,
                ring_graphs.KIND_COLOURS,
                getattr(ring_graphs, "KIND_LABELS", {}),
                ("shop", "associate"),
            ),
            note=f"not drawn: {note}" if note else "",
        )
        return graph_html(doc, height, f"ring {self.ring_id}", g.number_of_nodes())

    def show(self, height: int = 640) -> None:
        """Draw the ring's graph in the notebook: drag, zoom, hover for details."""
        _show(self.graph_html(height), repr(self))

    def _repr_html_(self) -> str:
        reasons = "".join(
            f"<li>+{p:g} {html.escape(str(t))}</li>"
            for p, t in zip(self.reasons["points"], self.reasons["text"], strict=True)
        )
        return (
            f"<p><b>Ring {html.escape(self.ring_id)}</b>: score {self.score:g}/100, "
            f"{self.size} shops in {len(self.provinces)} provinces, {len(self.evidence)} "
            f"shared identifiers, {len(self.leads)} offline sites.</p><ul>{reasons}</ul>"
            + self.graph_html()
        )


# -- a shop's neighbourhood --------------------------------------------------------------------

_NB_COLOURS = {
    "centre": "#000000",
    "ring shop": ring_graphs.KIND_COLOURS["shop"],
    "shop": "#9e9e9e",
    **{k: v for k, v in ring_graphs.KIND_COLOURS.items() if k not in ("shop", "associate")},
}
_NB_SHOPS = ("centre", "ring shop", "shop")


@dataclass(eq=False)
class Neighbourhood:
    """The shops a shop reaches through shared identifiers, in ``hops`` steps (supernodes,
    the hubs everyone uses, are not walked through).

    >>> inv = sample_investigation()
    >>> shop = inv.largest_ring().members["merchant_id"].iloc[0]
    >>> near = inv.neighbourhood(shop, hops=1)
    >>> int(near.shops["hop"].max())
    1
    >>> bool(near.shops["merchant_id"].iloc[0] == shop)
    True
    """

    merchant_id: str
    hops: int
    #: merchant_id, hop (0 is the shop itself), name, province, city, ring_id, risk_score,
    #: shared (identifiers tying it to the hop before), via (which ones)
    shops: pd.DataFrame
    #: kind, key, roles, shops (holding it here), holders (in the marketplace), merchant_ids
    identifiers: pd.DataFrame

    def __repr__(self) -> str:
        rings = sorted({r for r in self.shops["ring_id"] if r})
        return (
            f"<Neighbourhood of {self.merchant_id}, {self.hops} hop(s): {len(self.shops) - 1} "
            f"shops through {len(self.identifiers)} identifiers; rings {', '.join(rings) or '-'}>"
        )

    @property
    def graph(self) -> nx.Graph:
        g = nx.Graph(merchant_id=self.merchant_id)
        shops = self.shops.head(MAX_NEIGHBOURHOOD_SHOPS)
        for s in shops.itertuples(index=False):
            kind = "centre" if s.hop == 0 else ("ring shop" if s.ring_id else "shop")
            risk = float(s.risk_score) if pd.notna(s.risk_score) else 0.0
            g.add_node(
                f"m:{s.merchant_id}",
                label=str(s.merchant_id),
                kind=kind,
                title="\n".join(
                    x
                    for x in (
                        f"{s.merchant_id} · {_text(s.name)}",
                        ", ".join(y for y in (_text(s.province), _text(s.city)) if y),
                        f"risk {risk:g}/100" + (f" · ring {s.ring_id}" if s.ring_id else ""),
                        f"{s.hop} hop(s) from {self.merchant_id}" if s.hop else "",
                    )
                    if x
                ),
                size=(22 if s.hop == 0 else 10) + risk / 8,
            )
        for i in self.identifiers.itertuples(index=False):
            holders = [m for m in i.merchant_ids.split(";") if g.has_node(f"m:{m}")]
            if len(holders) < 2:
                continue
            node = f"i:{i.kind}:{i.key}"
            g.add_node(
                node,
                label=_short(str(i.key)),
                kind=i.kind if i.kind in _NB_COLOURS else "other",
                title=f"{i.kind}" + (f" ({i.roles})" if i.roles else "") + f"\n{i.key}\n"
                f"held by {i.shops} shops here, {i.holders} in all",
                size=8 + 3 * math.log2(1 + len(holders)),
            )
            for m in holders:
                g.add_edge(f"m:{m}", node)
        return g

    def graph_html(self, height: int = 600) -> str:
        g = self.graph
        nodes = []
        for node, a in g.nodes(data=True):
            colour = _NB_COLOURS.get(a["kind"], _NB_COLOURS["other"])
            nodes.append(
                {
                    "id": node,
                    "label": a["label"],
                    "title": a["title"],
                    "size": round(a["size"], 1),
                    "shape": "dot" if a["kind"] in _NB_SHOPS else "square",
                    "color": {"background": colour, "border": colour},
                }
            )
        edges = [{"from": a, "to": b} for a, b in g.edges()]
        left = len(self.shops) - sum(1 for _, k in g.nodes(data="kind") if k in _NB_SHOPS)
        legend = _legend(
            g,
            _NB_COLOURS,
            {"centre": self.merchant_id, "ring shop": "shop in a ring", "shop": "other shop"},
            _NB_SHOPS,
        )
        doc = graph_document(
            nodes,
            edges,
            f"{self.merchant_id}: {self.hops}-hop neighbourhood",
            legend,
            note=f"{left} more shops not drawn" if left else "",
        )
        return graph_html(doc, height, f"neighbourhood of {self.merchant_id}", len(nodes))

    def show(self, height: int = 600) -> None:
        """Draw the neighbourhood in the notebook."""
        _show(self.graph_html(height), repr(self))

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>" + self.graph_html()


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


# -- the investigation -------------------------------------------------------------------------


class Investigation:
    """One run's rings and what is behind them. Make one with :func:`investigate` (runs
    detection) or :func:`open_run` (reads a run folder).

    >>> inv = sample_investigation()
    >>> inv.rings().columns.tolist()[:6]
    ['ring_id', 'score', 'size', 'associates', 'provinces', 'kinds']
    >>> inv.ring("R-nope")
    Traceback (most recent call last):
    ...
    KeyError: "no ring 'R-nope' in this run (12 rings: see .rings())"
    """

    def __init__(
        self,
        *,
        run_id: str,
        settings: Settings,
        docs: list[dict[str, Any]],
        members: pd.DataFrame,
        evidence: pd.DataFrame,
        merchants: pd.DataFrame,
        leads: pd.DataFrame,
        supernodes: set[tuple[str, str]],
        result: RunResult | None = None,
        folder: Path | None = None,
        data_dir: Path | None = None,
        inputs: dict[str, Any] | None = None,
        store: Store | None = None,
        owns_store: bool = False,
    ) -> None:
        self.run_id = run_id
        self.settings = settings
        #: the RunResult when this investigation ran detection itself
        self.result = result
        #: the run folder, once written or when opened from one
        self.folder = folder
        #: the input data folder (for timelines, listings, neighbourhoods), when known
        self.data_dir = data_dir
        self.store = store
        self._owns_store = owns_store
        self._docs = {d["ring_id"]: d for d in docs}
        self._members = members
        self._evidence = evidence
        self._merchants = merchants
        self._leads = leads
        self._supernodes = supernodes
        self._inputs = inputs or {}
        self._tables: dict[str, pd.DataFrame] | None = dict(result.tables) if result else None
        self._holders: pd.DataFrame | None = None

    def __repr__(self) -> str:
        where = f"store {self.store.name}" if self.store else f"folder {self.folder}"
        return (
            f"<Investigation run {self.run_id} ({where}): {len(self._docs)} rings, "
            f"{len(self._merchants)} shops, {len(self._leads)} offline sites>"
        )

    def __enter__(self) -> Investigation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the store if :func:`investigate` opened it."""
        if self.store is not None and self._owns_store:
            self.store.close()

    # -- tables ------------------------------------------------------------------------------
    def rings(self) -> pd.DataFrame:
        """One row per ring, highest score first: score, size (core shops), associates,
        provinces, kinds of identifiers shared, counts of shared identifiers and offline
        sites, status, province list and the reasons behind the score."""
        kinds = self._evidence.groupby("ring_id")["kind"].agg(lambda k: ",".join(sorted(set(k))))
        n_ev = self._evidence.groupby("ring_id").size()
        rows = [
            {
                "ring_id": d["ring_id"],
                "score": float(d["score"]),
                "size": int(d["size"]),
                "associates": len(d["associates"]),
                "provinces": len(d["provinces"]),
                "kinds": kinds.get(d["ring_id"], ""),
                "shared_identifiers": int(n_ev.get(d["ring_id"], 0)),
                "leads": len(d["leads"]),
                "status": str(d.get("status", "open")),
                "province_list": ";".join(d["provinces"]),
                "reasons": "; ".join(r["text"] for r in d["reasons"]),
            }
            for d in self._docs.values()
        ]
        columns = list(rows[0]) if rows else ["ring_id", "score", "size"]
        table = pd.DataFrame(rows, columns=columns)
        return table.sort_values(
            ["score", "ring_id"], ascending=[False, True], kind="stable"
        ).reset_index(drop=True)

    def merchants(self) -> pd.DataFrame:
        """Every shop: merchant_id, risk_score (0-100), ring_id ("" outside rings), reasons."""
        return self._merchants.copy()

    def leads(self) -> pd.DataFrame:
        """Every offline site worth a visit, best first, with the rings and shops it serves."""
        return self._leads.copy()

    def ring(self, ring_id: str) -> Ring:
        """One ring, by id (as in :meth:`rings`)."""
        doc = self._docs.get(ring_id)
        if doc is None:
            raise KeyError(
                f"no ring {ring_id!r} in this run ({len(self._docs)} rings: see .rings())"
            )
        members = self._members.loc[self._members["ring_id"] == ring_id].reset_index(drop=True)
        evidence = self._evidence.loc[self._evidence["ring_id"] == ring_id].reset_index(drop=True)
        served = self._leads["rings"].fillna("").str.split(";").map(lambda r: ring_id in r)
        leads = self._leads.loc[served.astype(bool)].reset_index(drop=True)
        reasons = pd.DataFrame(doc["reasons"], columns=["points", "text"])
        return Ring(
            ring_id=ring_id,
            score=float(doc["score"]),
            size=int(doc["size"]),
            status=str(doc.get("status", "open")),
            provinces=list(doc["provinces"]),
            reasons=reasons,
            members=members,
            evidence=evidence,
            leads=leads,
            _inv=self,
        )

    def largest_ring(self) -> Ring:
        """The ring with the most core shops (the highest score among equals)."""
        table = self.rings()
        if table.empty:
            raise KeyError("this run found no rings")
        return self.ring(str(table.sort_values("size", ascending=False, kind="stable").iloc[0, 0]))

    def tables(self) -> dict[str, pd.DataFrame]:
        """The stored tables answers draw on: merchants, listings, shipments, holdings
        (which shop holds which identifier). For a run folder they are read from the input
        data folder, once, after checking its files are the ones the run read."""
        if self._tables is None:
            self._tables = self._read_inputs()
        return self._tables

    def _read_inputs(self) -> dict[str, pd.DataFrame]:
        from graphring.contract import read_dataset
        from graphring.stores.memory import MemoryStore

        if self.data_dir is None or not self.data_dir.is_dir():
            raise NeedsInputData(
                f"run {self.run_id}: this needs the run's input data folder; open the run "
                "with open_run(folder, data_dir=...)"
            )
        changed = [
            f"{v['file']}"
            for v in self._inputs.values()
            if not (self.data_dir / v["file"]).is_file()
            or _sha256(self.data_dir / v["file"]) != v["sha256"]
        ]
        if changed:
            raise NeedsInputData(
                f"{self.data_dir} does not hold the files run {self.run_id} read: "
                f"{', '.join(changed)} missing or changed (their SHA-256 differ from run.json)"
            )
        from graphring.pipeline import run_date

        store = MemoryStore(self.settings.processes())
        # the run's "today", so that the data is read again with the same rejects
        today, _ = run_date(self.settings)
        run_json = self.folder / "run.json" if self.folder else None
        if run_json is not None and run_json.is_file():
            recorded = json.loads(run_json.read_text(encoding="utf-8")).get("today") or {}
            if recorded.get("date"):
                today = pd.Timestamp(recorded["date"])
        store.load(
            read_dataset(
                self.data_dir, self.settings.default_region, self.settings.processes(), today
            )
        )
        return {
            "merchants": store.merchants(),
            "listings": store.listings(),
            "shipments": store.shipments(),
            "holdings": store.holdings(),
        }

    def _linkable(self) -> pd.DataFrame:
        """Holdings without supernodes, one row per (merchant, kind, key), roles joined,
        with each identifier's number of holders."""
        if self._holders is None:
            h = self.tables()["holdings"]
            h = (
                h.groupby(["merchant_id", "kind", "key"], sort=True)
                .agg(
                    roles=("role", lambda r: ";".join(sorted({x for x in r if x}))),
                    shipments=("shipments", "sum"),
                )
                .reset_index()
            )
            holders = h.groupby(["kind", "key"])["merchant_id"].transform("nunique")
            h = h.assign(holders=holders)
            big = holders > self.settings.supernode_max_merchants
            named = pd.Series(
                [(k, v) in self._supernodes for k, v in zip(h["kind"], h["key"], strict=True)],
                index=h.index,
                dtype=bool,
            )
            self._holders = h.loc[~(big | named)].reset_index(drop=True)
        return self._holders

    def _origins(self, merchant_ids: list[str]) -> pd.DataFrame | None:
        """Parcels each shop sent from each origin address (for the ring graph), when the
        input data is at hand."""
        try:
            h = self._linkable()
        except NeedsInputData:
            return None
        o = h.loc[
            h["merchant_id"].isin(merchant_ids) & (h["kind"] == "address") & (h["shipments"] > 0),
            ["merchant_id", "key", "shipments"],
        ]
        return o.reset_index(drop=True)

    # -- questions ---------------------------------------------------------------------------
    def neighbourhood(self, merchant_id: str, hops: int = 1) -> Neighbourhood:
        """The shops ``merchant_id`` reaches in ``hops`` (1 or 2) steps through identifiers
        they share (an address, account, phone, device...), supernodes left out."""
        if hops not in (1, 2):
            raise ValueError("hops must be 1 or 2")
        h = self._linkable()
        known = self.tables()["merchants"]
        if merchant_id not in set(known["merchant_id"]):
            raise KeyError(f"no shop {merchant_id!r} in this run's data")
        seen: dict[str, int] = {merchant_id: 0}
        via: dict[str, list[str]] = {merchant_id: []}
        frontier = {merchant_id}
        ident = h.set_index(["kind", "key"])
        for hop in range(1, hops + 1):
            ids = h.loc[h["merchant_id"].isin(frontier), ["kind", "key"]].drop_duplicates()
            reach = ident.loc[pd.MultiIndex.from_frame(ids)].reset_index()
            reach = reach.loc[~reach["merchant_id"].isin(list(seen))]
            for mid, grp in reach.groupby("merchant_id", sort=True):
                seen[str(mid)] = hop
                via[str(mid)] = sorted(
                    f"{k}: {v}" for k, v in zip(grp["kind"], grp["key"], strict=True)
                )
            frontier = set(reach["merchant_id"])
            if not frontier:
                break
        inside = h.loc[h["merchant_id"].isin(list(seen))]
        shared = inside.groupby(["kind", "key"]).filter(lambda g: g["merchant_id"].nunique() >= 2)
        identifiers = (
            shared.groupby(["kind", "key"], sort=True)
            .agg(
                roles=(
                    "roles",
                    lambda r: ";".join(sorted({x for s in r for x in s.split(";") if x})),
                ),
                shops=("merchant_id", "nunique"),
                holders=("holders", "first"),
                merchant_ids=("merchant_id", lambda m: ";".join(sorted(set(m)))),
            )
            .reset_index()
            .sort_values(["shops", "kind", "key"], ascending=[False, True, True], kind="stable")
            .reset_index(drop=True)
        )
        if identifiers.empty:
            identifiers = pd.DataFrame(
                columns=["kind", "key", "roles", "shops", "holders", "merchant_ids"]
            )
        shops = pd.DataFrame(
            {
                "merchant_id": list(seen),
                "hop": list(seen.values()),
                "shared": [len(via[m]) for m in seen],
                "via": ["; ".join(via[m]) for m in seen],
            }
        )
        info = known[["merchant_id", "name", "province", "city"]]
        risk = self._merchants[["merchant_id", "ring_id", "risk_score"]]
        shops = shops.merge(info, on="merchant_id", how="left").merge(
            risk, on="merchant_id", how="left"
        )
        shops["ring_id"] = shops["ring_id"].fillna("").astype(str)
        shops = shops.sort_values(
            ["hop", "risk_score", "merchant_id"], ascending=[True, False, True], kind="stable"
        )
        columns = ["merchant_id", "hop", "name", "province", "city", "ring_id", "risk_score"]
        shops = shops[[*columns, "shared", "via"]].reset_index(drop=True)
        return Neighbourhood(merchant_id, hops, shops, identifiers)

    def compare(self, ring_a: str | Ring, ring_b: str | Ring) -> pd.DataFrame:
        """What two rings have in common: shops, identifiers (held by a shop of each), and
        offline sites serving both. A ring may come from another investigation (the same
        group in last month's run). ``shops_a`` / ``shops_b`` count each ring's shops
        involved; empty when the rings share nothing.

        >>> inv = sample_investigation()
        >>> first, second = inv.rings()["ring_id"].iloc[:2]
        >>> inv.compare(first, second).columns.tolist()
        ['shared', 'kind', 'key', 'shops_a', 'shops_b', 'detail']
        >>> inv.compare(first, first)["shared"].value_counts().index.tolist()[:1]
        ['identifier']
        """
        a = ring_a if isinstance(ring_a, Ring) else self.ring(ring_a)
        b = ring_b if isinstance(ring_b, Ring) else self.ring(ring_b)
        rows: list[dict[str, Any]] = []
        ma = a.members.set_index("merchant_id")["core"]
        mb = b.members.set_index("merchant_id")["core"]

        def role(core: bool) -> str:
            return "core" if core else "associate"

        for mid in sorted(set(ma.index) & set(mb.index)):
            rows.append(
                {
                    "shared": "member",
                    "kind": "shop",
                    "key": mid,
                    "shops_a": 1,
                    "shops_b": 1,
                    "detail": f"{role(bool(ma[mid]))} in {a.ring_id}, "
                    f"{role(bool(mb[mid]))} in {b.ring_id}",
                }
            )
        ia, ib = a._inv._identifiers_of(a), b._inv._identifiers_of(b)
        both = ia.merge(ib, on=["kind", "key"], suffixes=("_a", "_b"))
        for r in both.itertuples(index=False):
            rows.append(
                {
                    "shared": "identifier",
                    "kind": r.kind,
                    "key": r.key,
                    "shops_a": int(r.shops_a),
                    "shops_b": int(r.shops_b),
                    "detail": f"held by {int(r.holders_a)} shops in all",
                }
            )
        la = a.leads.set_index("address")
        lb = b.leads.set_index("address")
        for addr in sorted(set(la.index) & set(lb.index)):
            served = set(str(la.at[addr, "merchant_ids"]).split(";"))
            served_b = set(str(lb.at[addr, "merchant_ids"]).split(";"))
            rows.append(
                {
                    "shared": "lead",
                    "kind": "address",
                    "key": addr,
                    "shops_a": len(served & set(ma.index)),
                    "shops_b": len(served_b & set(mb.index)),
                    "detail": f"score {float(la.at[addr, 'score']):g}, "
                    f"{int(la.at[addr, 'shipments'])} shipments",
                }
            )
        out = pd.DataFrame(rows, columns=["shared", "kind", "key", "shops_a", "shops_b", "detail"])
        order = {"member": 0, "identifier": 1, "lead": 2}
        out = out.assign(_o=out["shared"].map(order), _n=out["shops_a"] + out["shops_b"])
        out = out.sort_values(
            ["_o", "_n", "kind", "key"], ascending=[True, False, True, True], kind="stable"
        )
        out = out.drop(columns=["_o", "_n"]).reset_index(drop=True)
        out.attrs.update(a=a.ring_id, b=b.ring_id)
        return out

    def _identifiers_of(self, ring: Ring) -> pd.DataFrame:
        """kind, key, shops (members holding it), holders: every identifier a member holds
        (supernodes left out), or, without the input data, the ring's evidence."""
        try:
            h = self._linkable()
        except NeedsInputData:
            ev = ring.evidence
            return pd.DataFrame(
                {
                    "kind": ev["kind"],
                    "key": ev["key"],
                    "shops": ev["shops_in_ring"],
                    "holders": ev["shops_total"],
                }
            )
        mine = h.loc[h["merchant_id"].isin(ring.merchant_ids)]
        return (
            mine.groupby(["kind", "key"], sort=True)
            .agg(shops=("merchant_id", "nunique"), holders=("holders", "first"))
            .reset_index()
        )

    def cypher(self, name: str, **params: Any) -> pd.DataFrame:
        """Run the read query ``cypher/<name>.cypher`` with ``params`` on the Neo4j store;
        nodes come back as dicts of their properties, paths as text.

        ``inv.cypher("ring_view", members=ring.merchant_ids)``
        """
        run = getattr(self.store, "run", None)
        if self.store is None or self.store.name != "neo4j" or run is None:
            raise TypeError(
                "cypher() needs the Neo4j store: investigate(data, settings, store) with "
                "settings = load_settings(backend='neo4j') and store = open_store(settings)"
            )
        reads = read_queries()
        if name not in reads:
            raise ValueError(
                f"{name!r} is not a query under cypher/ that only reads; those are: "
                f"{', '.join(reads)}"
            )
        frame: pd.DataFrame = run(name, **params)
        return frame.map(_plain) if not frame.empty else frame

    def write(self, out: str | Path, packets: bool = True) -> Path:
        """Write the run folder (rings.csv, rings.json, packets/...) as ``graphring detect``
        does; the rings' :attr:`Ring.packet` then point into it."""
        from graphring.rundir.write import write_run

        if self.result is None:
            raise TypeError(f"this investigation was opened from {self.folder}: it is written")
        self.folder = write_run(self.result, out, packets=packets).resolve()
        return self.folder


def writes(text: str) -> bool:
    """Whether a Cypher text writes (a clause such as MERGE or DELETE outside comments and
    strings, or a procedure that writes).

    >>> writes("MATCH (m:Merchant) RETURN m.name AS name // no SET here")
    False
    >>> writes("MATCH (n) DETACH DELETE n")
    True
    """
    code = re.sub(r"//[^\n]*|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", " ", text)
    return _WRITES.search(code) is not None


def read_queries() -> list[str]:
    """Names of the queries under cypher/ that only read: what :meth:`Investigation.cypher`
    runs."""
    from graphring.queries import query

    names = [
        p.name.removesuffix(".cypher")
        for p in (resources.files("graphring") / "cypher").iterdir()
        if p.name.endswith(".cypher")
    ]
    return sorted(n for n in names if not writes(query(n)))


def _node_name(node: Any) -> str:
    for key in ("merchant_id", "key", "shipment_id", "listing_id", "ring_id", "run_id"):
        if key in node:
            return str(node[key])
    return ":".join(sorted(node.labels))


def _plain(value: Any) -> Any:
    """Neo4j values as plain Python: a node as a dict, a path as readable text."""
    from neo4j.graph import Node, Relationship
    from neo4j.graph import Path as GraphPath

    if isinstance(value, Node):
        return {"labels": sorted(value.labels), **dict(value)}
    if isinstance(value, Relationship):
        return {"type": value.type, **dict(value)}
    if isinstance(value, GraphPath):
        here: Any = value.start_node
        text = f"({_node_name(here)})"
        for rel in value.relationships:
            start: Any = rel.start_node
            forward = start is not None and start.element_id == here.element_id
            there: Any = rel.end_node if forward else start
            arrow = f"-[:{rel.type}]->" if forward else f"<-[:{rel.type}]-"
            text += f"{arrow}({_node_name(there)})"
            here = there
        return text
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "to_native"):
        return value.to_native()
    return value


# -- making an investigation -----------------------------------------------------------------


def investigate(
    data_dir: str | Path,
    settings: Settings | None = None,
    store: Store | None = None,
) -> Investigation:
    """Load a data folder, link shops, find rings, score them: the whole job of
    ``graphring detect``, in memory, without writing anything (see
    :meth:`Investigation.write`). With no ``store``, the one ``settings.backend`` names
    (the embedded one by default) is opened, and closed by :meth:`Investigation.close`."""
    from graphring.pipeline import run_pipeline
    from graphring.rundir.write import ring_documents
    from graphring.stores import open_store

    settings = settings or load_settings()
    owns = store is None
    used = store if store is not None else open_store(settings)
    try:
        result = run_pipeline(data_dir, settings, used)
    except BaseException:
        if owns:
            used.close()
        raise
    merchants = result.merchants.copy()
    merchants["ring_id"] = merchants["ring_id"].fillna("")
    leads = result.leads.drop(columns=["raw_address"], errors="ignore")
    return Investigation(
        run_id=result.run_id,
        settings=settings,
        docs=ring_documents(result),
        members=result.members,
        evidence=result.evidence,
        merchants=merchants,
        leads=leads.reset_index(drop=True),
        supernodes={
            (str(k), str(v))
            for k, v in zip(result.supernodes["kind"], result.supernodes["key"], strict=True)
        },
        result=result,
        data_dir=Path(data_dir),
        inputs={
            name: {"file": src.path.name, "sha256": src.sha256}
            for name, src in result.sources.items()
        },
        store=used,
        owns_store=owns,
    )


def open_run(run_folder: str | Path, data_dir: str | Path | None = None) -> Investigation:
    """Open a run folder written earlier, from its files alone: rings.json, merchants.csv,
    leads.csv, packets/*/members.csv and evidence.csv. Nothing is detected again.

    Timelines, listings, origins in graphs, neighbourhoods and identifier comparisons also
    need the run's input data: ``data_dir``, by default ``<run_folder>/sample/data`` when
    there (``graphring demo`` puts it there). Its files must be the ones the run read
    (their SHA-256 are in run.json); otherwise those answers raise :class:`NeedsInputData`.
    """
    folder = Path(run_folder).resolve()
    if not (folder / "rings.json").is_file():
        raise FileNotFoundError(f"{folder} is not a graphring run folder (no rings.json)")
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    docs: list[dict[str, Any]] = json.loads((folder / "rings.json").read_text(encoding="utf-8"))
    order = [d["ring_id"] for d in docs]
    packets = folder / "packets"

    def gather(name: str, dtypes: dict[str, Any]) -> list[pd.DataFrame]:
        return [
            _read_csv(packets / rid / name, dtypes)
            for rid in order
            if (packets / rid / name).is_file()
        ]

    merchants = _read_csv(
        folder / "merchants.csv", {"merchant_id": _STR, "ring_id": _STR, "reasons": _STR}
    )
    merchants["ring_id"] = merchants["ring_id"].fillna("")
    merchants["reasons"] = merchants["reasons"].fillna("")
    member_frames = gather("members.csv", _MEMBER_DTYPES)
    if len(member_frames) == len(order) and order:
        members = _clean_members(pd.concat(member_frames, ignore_index=True))
    else:  # a run written without packets: members from rings.json and merchants.csv
        members = _members_from_docs(docs, merchants)
    evidence_frames = gather("evidence.csv", _EVIDENCE_DTYPES)
    if len(evidence_frames) == len(order) and order:
        evidence = _clean_evidence(pd.concat(evidence_frames, ignore_index=True))
    else:
        evidence = _evidence_from_docs(docs)
    leads = _read_csv(folder / "leads.csv", _LEAD_DTYPES)
    if data_dir is None and (folder / "sample" / "data").is_dir():
        data_dir = folder / "sample" / "data"
    return Investigation(
        run_id=str(run["run_id"]),
        settings=_settings_from(run.get("parameters", {})),
        docs=docs,
        members=members,
        evidence=evidence,
        merchants=merchants,
        leads=leads,
        supernodes={(str(s["kind"]), str(s["key"])) for s in run.get("supernodes", [])},
        folder=folder,
        data_dir=Path(data_dir).resolve() if data_dir is not None else None,
        inputs=run.get("inputs", {}),
    )


def _members_from_docs(docs: list[dict[str, Any]], merchants: pd.DataFrame) -> pd.DataFrame:
    rows = [
        {"ring_id": d["ring_id"], "merchant_id": m, "core": core}
        for d in docs
        for core, key in ((True, "members"), (False, "associates"))
        for m in d[key]
    ]
    m = pd.DataFrame(rows, columns=["ring_id", "merchant_id", "core"])
    m = m.merge(merchants[["merchant_id", "risk_score", "reasons"]], on="merchant_id", how="left")
    for col in ["name", "platform", "province", "city", "monthly_orders", "rating"]:
        m[col] = pd.NA
    m["opened_on"] = pd.NaT
    return _clean_members(m)


def _evidence_from_docs(docs: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [
        {
            "ring_id": d["ring_id"],
            "kind": e["kind"],
            "key": e["key"],
            "roles": ";".join(e["roles"]),
            "shops_in_ring": e["shops_in_ring"],
            "shops_total": e["shops_total"],
            "rarity": e["rarity"],
            "shipments": e["shipments"],
            "merchant_ids": ";".join(e["merchants"]),
        }
        for d in docs
        for e in d["shared_identifiers"]
    ]
    return _clean_evidence(pd.DataFrame(rows, columns=_EVIDENCE_COLUMNS))


@cache
def sample_investigation(n_shops: int = 2500, seed: int = 3) -> Investigation:
    """An investigation of a small sample marketplace (made in a temporary folder), to try
    the API on: the examples in this module use it.

    >>> inv = sample_investigation()
    >>> len(inv.rings()) > 5
    True
    """
    from graphring.sample import write_sample

    info = write_sample(tempfile.mkdtemp(prefix="graphring-sample-"), n_shops, seed)
    return investigate(info.data_dir)
