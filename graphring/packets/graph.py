"""The graph of one ring: its shops and what they share, for vis-network and for print.

Nodes are the ring's shops (core members and associates), the identifiers two or more of
them share (addresses, accounts, phones, devices, …) and the addresses their parcels leave
from. Shipments are aggregated per origin address (an origin node carries its parcel count,
each edge to it the count of one shop), so a ring with thousands of parcels stays a few
hundred nodes; a graph never holds more than :data:`MAX_NODES` nodes.

Every label and tooltip is plain text. The page hands tooltips to vis-network as DOM
elements filled with ``textContent`` and the SVG escapes them, so data never becomes markup.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from graphring.packets.pages import shorten

#: Node colours by kind, shown in the legend (in this order).
KIND_COLOURS = {
    "shop": "#d62728",
    "associate": "#ff9896",
    "origin": "#ff7f0e",
    "address": "#1f77b4",
    "account": "#2ca02c",
    "phone": "#9467bd",
    "device": "#8c564b",
    "email": "#e377c2",
    "ip": "#7f7f7f",
    "other": "#bcbd22",
    "outside": "#9e9e9e",
}
#: What the legend says for each kind.
KIND_LABELS = {
    "shop": "shop (ring member)",
    "associate": "associate (one tie)",
    "origin": "shipment origin",
    "address": "shared address",
    "account": "payment account",
    "phone": "phone",
    "device": "device",
    "email": "email",
    "ip": "IP address",
    "other": "other identifier",
    "outside": "shop outside the ring",
}
SHOP_KINDS = ("shop", "associate")
#: At most this many nodes in one ring's graph (shops first, then the rarest identifiers,
#: then the busiest origins); the page says when some were left out.
MAX_NODES = 900
MAX_SHOP_NODES = 600
#: The print picture lays out graphs of this many nodes with Kamada-Kawai (even spacing,
#: where a spring layout packs dense cells tight); others with a spring layout, quicker.
KK_NODES = (40, 150)
#: Repulsion of the spring layout (networkx spring_layout k, times 1/sqrt(nodes)), used
#: when igraph (the ``fast`` extra) is not installed.
SVG_SPREAD = 5.0
#: igraph's GraphOpt spring layout: steps, each node's charge (its push on the others)
#: and the springs' rest length; chosen on the 523 spring-drawn rings of a 200k-shop run:
#: edges as short beside the picture as networkx's layout drew them, and no two marks
#: touching (nearest marks 26 px apart at the least).
GRAPHOPT_STEPS, GRAPHOPT_CHARGE, GRAPHOPT_SPRING = 100, 0.001, 10.0
_LABEL_MAX = 28
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def short_label(text: str, limit: int = _LABEL_MAX) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis: a node label.

    >>> short_label("Room 1220, No. 98 Zhongshan Street", 12)
    'Room 1220, …'
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_text(value: object) -> str:
    """A table cell as text: missing values (None, NaN) as empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _day(value: object) -> str:
    """A date as ``YYYY-MM-DD`` for the graph's time filter; empty when there is none."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = value.strftime("%Y-%m-%d") if isinstance(value, pd.Timestamp) else str(value)
    return text[:10]


def xml_text(value: object) -> str:
    """Text safe inside SVG/XML: escaped, and without the control characters XML forbids."""
    return html.escape(_XML_BAD.sub("", shorten(as_text(value))), quote=True)


def ring_graph(
    ring_id: str,
    members: pd.DataFrame,
    evidence: pd.DataFrame,
    origins: pd.DataFrame | None = None,
    max_nodes: int = MAX_NODES,
    in_order: bool = False,
) -> nx.Graph:
    """Shops of one ring joined to what two or more of them share and where they ship from.

    ``members``: this ring's rows of RunResult.members; ``evidence``: this ring's evidence
    (rarest first); ``origins``: ``merchant_id, key, shipments`` — parcels each member sent
    from each origin address (supernodes already left out).

    ``in_order``: ``members`` come in :func:`drawing_order` already.

    ``g.graph["left_out"]`` counts the shops, identifiers and origins not drawn.
    """
    mem = members if in_order else drawing_order(members)
    return graph_of_rows(
        ring_id, shop_rows(mem), evidence_rows(evidence), origin_rows(origins), max_nodes
    )


#: The columns of RunResult.members and of the evidence a ring's graph draws on (and
#: those it does without).
SHOP_FIELDS = [
    "merchant_id",
    "core",
    "risk_score",
    "province",
    "city",
    "reasons",
    "name",
    "platform",
]
SHOP_OPTIONAL = ["opened_on"]
EVIDENCE_FIELDS = [
    "kind",
    "key",
    "shipments",
    "roles",
    "shops_in_ring",
    "shops_total",
    "rarity",
    "merchant_ids",
]
EVIDENCE_OPTIONAL = ["first_seen"]


def shop_rows(members: pd.DataFrame) -> list[dict[str, Any]]:
    """Members' rows as :func:`graph_of_rows` takes them (their order kept)."""
    return _rows(members, SHOP_FIELDS, SHOP_OPTIONAL)


def evidence_rows(evidence: pd.DataFrame) -> list[dict[str, Any]]:
    """Evidence rows as :func:`graph_of_rows` takes them (their order kept)."""
    return _rows(evidence, EVIDENCE_FIELDS, EVIDENCE_OPTIONAL)


def origin_rows(origins: pd.DataFrame | None) -> list[tuple[Any, Any, Any]]:
    """Origins' ``(merchant_id, key, shipments)`` as :func:`graph_of_rows` takes them."""
    if origins is None or origins.empty:
        return []
    columns = (origins[c].tolist() for c in ("merchant_id", "key", "shipments"))
    return list(zip(*columns, strict=True))


def graph_of_rows(
    ring_id: str,
    shops: list[dict[str, Any]],
    evidence: list[dict[str, Any]],
    origins: list[tuple[Any, Any, Any]],
    max_nodes: int = MAX_NODES,
) -> nx.Graph:
    """:func:`ring_graph` of one ring's rows (:func:`shop_rows` of its members in
    :func:`drawing_order`, :func:`evidence_rows`, :func:`origin_rows`): the packet writer
    takes the rows of every ring out of the whole frames at once."""
    g = nx.Graph(ring_id=ring_id)
    shown = shops[: min(MAX_SHOP_NODES, max_nodes)]
    left = {"shops": len(shops) - len(shown), "identifiers": 0, "origins": 0}
    g.graph["left_out"] = left
    for row in shown:
        core, mid, name = row["core"], row["merchant_id"], as_text(row["name"])
        risk = float(row["risk_score"]) if pd.notna(row["risk_score"]) else 0.0
        place = ", ".join(x for x in (as_text(row["province"]), as_text(row["city"])) if x)
        reasons = as_text(row["reasons"])
        g.add_node(
            f"m:{mid}",
            label=str(mid),
            kind="shop" if core else "associate",
            name=name,
            title="\n".join(
                x
                for x in (
                    f"{mid} · {name}",
                    f"{place} · {as_text(row['platform'])}".strip(" ·"),
                    f"risk {risk:g}/100" + (" · associate (one tie)" if not core else ""),
                    short_label(reasons, 400),
                )
                if x
            ),
            size=(12 if core else 8) + risk / 8,
            t=_day(row["opened_on"]),
        )
    budget = max_nodes - g.number_of_nodes()
    drawn_ev = evidence[: max(budget, 0)]
    left["identifiers"] = len(evidence) - len(drawn_ev)
    for row in drawn_ev:
        ident, key, n_in = row["kind"], row["key"], row["shops_in_ring"]
        node = f"i:{ident}:{key}"
        ships = int(row["shipments"])
        roles = as_text(row["roles"]).split(";") if as_text(row["roles"]) else []
        if ident == "address":
            kind = "origin" if ships or "origin" in roles else "address"
        else:
            kind = ident if ident in KIND_COLOURS else "other"
        lines = [
            f"{ident}" + (f" ({', '.join(roles)})" if roles else ""),
            as_text(key),
            f"shared by {n_in} shops of this ring, {row['shops_total']} in all",
            f"rarity {float(row['rarity']):g}",
        ]
        if ships:
            lines.append(f"{ships} shipments sent from here by this ring's shops")
        g.add_node(
            node,
            label=short_label(as_text(key)),
            kind=kind,
            name=as_text(key),
            title="\n".join(lines),
            size=8 + 3 * math.log2(1 + n_in) + math.log2(1 + ships),
            shipments=ships,
            t=_day(row["first_seen"]),
        )
        for mid in as_text(row["merchant_ids"]).split(";"):
            if g.has_node(f"m:{mid}"):
                g.add_edge(f"m:{mid}", node)
    _add_origins(g, origins, max_nodes)
    return g


def drawing_order(members: pd.DataFrame) -> pd.DataFrame:
    """Members in the order a ring's graph takes them: core members first, then the
    riskiest, then by id (a stable sort: each ring's rows keep this order when the frame of
    every ring is sorted at once)."""
    return members.sort_values(
        ["core", "risk_score", "merchant_id"], ascending=[False, False, True]
    )


def _rows(frame: pd.DataFrame, columns: list[str], optional: list[str]) -> list[dict[str, Any]]:
    """The rows of a frame as dicts of Python values (as ``itertuples`` gives them), each
    column taken out once; ``optional`` columns are None when missing."""
    values = [frame[c].tolist() for c in columns]
    values += [frame[c].tolist() if c in frame else [None] * len(frame) for c in optional]
    names = [*columns, *optional]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def _add_origins(g: nx.Graph, origins: list[tuple[Any, Any, Any]], max_nodes: int) -> None:
    """Shipment origins: one node per address, one edge per shop with its parcel count.

    ``origins``: one ring's :func:`origin_rows` (a few per shop).
    """
    if not origins:
        return
    rows = [(f"m:{m}", str(k), int(n)) for m, k, n in origins if g.has_node(f"m:{m}")]
    ships: dict[str, int] = {}
    shops: dict[str, set[str]] = {}
    for shop, key, n in rows:
        ships[key] = ships.get(key, 0) + n
        shops.setdefault(key, set()).add(shop)
    order = sorted(ships, key=lambda k: (-ships[k], -len(shops[k]), k))
    missing = [k for k in order if not g.has_node(f"i:address:{k}")]
    extra = missing[: max(max_nodes - g.number_of_nodes(), 0)]
    g.graph["left_out"]["origins"] = len(missing) - len(extra)
    for key in extra:
        n, s = ships[key], len(shops[key])
        g.add_node(
            f"i:address:{key}",
            label=short_label(key),
            kind="origin",
            name=key,
            title=f"shipment origin\n{key}\n{n} shipments sent from here by "
            f"{s} shop{'s' if s != 1 else ''} of this ring",
            size=8 + 3 * math.log2(1 + s) + math.log2(1 + n),
            shipments=n,
        )
    for shop, key, n in rows:
        if g.has_node(f"i:address:{key}"):
            g.add_edge(shop, f"i:address:{key}", shipments=n)


def vis_data(g: nx.Graph) -> dict[str, object]:
    """Nodes and edges in vis-network's shape (as pyvis' ``Network.add_node`` lays a node
    out, without its page).

    ``title`` stays plain text: the page turns it into a DOM element with textContent.
    """
    nodes: list[dict[str, object]] = []
    for node, attrs in g.nodes(data=True):
        colour = KIND_COLOURS[attrs["kind"]]
        nodes.append(
            {
                # selection and hover keep the kind's colour, with a dark border
                "color": {
                    "background": colour,
                    "border": colour,
                    "highlight": {"background": colour, "border": "#111"},
                    "hover": {"background": colour, "border": "#111"},
                },
                "idlabel": attrs["label"],
                "t": attrs.get("t", ""),
                "title": attrs["title"],
                "size": round(attrs["size"], 1),
                "kind": attrs["kind"],
                "name": attrs.get("name", ""),
                "id": node,
                # pyvis labels a node by its id when the label is empty
                "label": attrs["label"] or node,
                "shape": "dot" if attrs["kind"] in SHOP_KINDS else "square",
            }
        )
    edges: list[dict[str, object]] = []
    for a, b, attrs in g.edges(data=True):
        edge: dict[str, object] = {"from": a, "to": b}
        if "shipments" in attrs:
            n = attrs["shipments"]
            edge.update(
                title=f"{n} shipment{'s' if n != 1 else ''}",
                width=round(1 + math.log2(1 + n), 1),
                color="#f5b77a",
            )
        edges.append(edge)
    counts = _kind_counts(g)
    legend = [
        {"kind": k, "label": KIND_LABELS[k], "colour": c, "count": counts[k]}
        for k, c in KIND_COLOURS.items()
        if counts.get(k, 0)
    ]
    return {
        "nodes": nodes,
        "edges": edges,
        "legend": legend,
        "left_out": left_out(g),
    }


def _kind_counts(g: nx.Graph) -> dict[str, int]:
    """How many nodes of each kind ``g`` has."""
    return dict(Counter(kind for _, kind in g.nodes(data="kind")))


def context_by_ring(
    context: pd.DataFrame,
) -> dict[str, dict[str, dict[str, list[dict[str, object]]]]]:
    """One hop outside each ring for its page to add on demand: ring id -> shop node id ->
    the nodes (identifiers the shop shares with outside shops, and those shops) and edges
    to add.

    ``context``: :func:`graphring.packets.case.outside_context`'s rows, every ring at once;
    labels and tooltips are made for the whole table in one pass, not per ring.
    """
    out: dict[str, dict[str, dict[str, list[dict[str, object]]]]] = {}
    if context.empty:
        return out
    key = context["key"].astype(str)
    kind = context["kind"].astype(str)
    outside = context["outside"].astype(str)
    risk = pd.to_numeric(context["risk_score"], errors="coerce")
    risk_text = pd.Series("", index=context.index, dtype=object)
    scored = risk.notna()
    risk_text[scored] = "\nrisk " + risk[scored].map("{:g}".format).astype(object) + "/100"
    ring = context["outside_ring"]
    ring_text = ("in ring " + ring.astype(str)).where(ring.notna() & (ring != ""), "in no ring")
    name = context["name"].map(as_text).astype(str)
    rows = pd.DataFrame(
        {
            "ring_id": context["ring_id"].astype(str).to_numpy(),
            "shop": ("m:" + context["merchant_id"].astype(str)).to_numpy(),
            "ident": ("i:" + kind + ":" + key).to_numpy(),
            "kind": kind.where(kind.isin(list(KIND_COLOURS)), "other").to_numpy(),
            "label": key.map(short_label).to_numpy(),
            "ident_title": (kind + "\n" + key).to_numpy(),
            "other": ("x:" + outside).to_numpy(),
            "outside": outside.to_numpy(),
            "other_title": (
                outside + " · " + name + risk_text + "\n" + ring_text + "\noutside"
            ).to_numpy(),
        }
    )
    # shops in order within each ring, each shop's rows in the table's order
    rows = rows.sort_values(["ring_id", "shop"], kind="stable")
    # each row adds its identifier and outside shop (unless the shop has them already)
    # and two edges: the first of each per shop is kept, in the order of the rows
    ring_ids, shops = rows["ring_id"].to_numpy(), rows["shop"].to_numpy()
    idents, others = rows["ident"].to_numpy(), rows["other"].to_numpy()
    nodes = _first_per_shop(
        ring_ids,
        shops,
        idents,
        others,
        {
            "label": (rows["label"].to_numpy(), rows["outside"].to_numpy()),
            "kind": (rows["kind"].to_numpy(), np.full(len(rows), "outside", dtype=object)),
            "title": (rows["ident_title"].to_numpy(), rows["other_title"].to_numpy()),
        },
    )
    edges = _first_per_shop(
        ring_ids,
        shops,
        shops + "|" + idents,
        idents + "|" + others,
        {"from": (shops, idents), "to": (idents, others)},
    )
    node_rows = zip(
        nodes["id"].tolist(),
        nodes["label"].tolist(),
        nodes["kind"].tolist(),
        nodes["title"].tolist(),
        strict=True,
    )
    node_dicts = [_context_node(n, label, kind, title) for n, label, kind, title in node_rows]
    edge_rows = zip(edges["id"].tolist(), edges["from"].tolist(), edges["to"].tolist(), strict=True)
    edge_dicts = [{"id": e, "from": a, "to": b, "dashes": True} for e, a, b in edge_rows]
    node_at, edge_at = _starts(nodes), _starts(edges)
    for i, (rid, shop) in enumerate(zip(node_at["ring_id"], node_at["shop"], strict=True)):
        out.setdefault(rid, {})[shop] = {
            "nodes": node_dicts[node_at["start"][i] : node_at["start"][i + 1]],
            "edges": edge_dicts[edge_at["start"][i] : edge_at["start"][i + 1]],
        }
    return out


def _first_per_shop(
    ring_ids: np.ndarray,
    shops: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
    columns: dict[str, tuple[np.ndarray, np.ndarray]],
) -> pd.DataFrame:
    """Rows of ring, shop and id: each row's ``first`` id then its ``second`` (with their
    ``columns``), the first of each id per ring and shop kept, in that order."""
    n = len(ring_ids)
    both = pd.DataFrame(
        {
            "ring_id": np.repeat(ring_ids, 2),
            "shop": np.repeat(shops, 2),
            "id": np.column_stack([first, second]).ravel(),
            **{name: np.column_stack(pair).ravel() for name, pair in columns.items()},
        },
        index=np.arange(2 * n),
    )
    return both.loc[~both.duplicated(["ring_id", "shop", "id"])].reset_index(drop=True)


def _starts(rows: pd.DataFrame) -> dict[str, list[Any]]:
    """Each run of one ring and shop in ``rows``: its ring, shop, and where it starts
    (and, last, where the rows end)."""
    ring_ids, shops = rows["ring_id"].to_numpy(), rows["shop"].to_numpy()
    change = np.ones(len(rows), dtype=bool)
    change[1:] = (ring_ids[1:] != ring_ids[:-1]) | (shops[1:] != shops[:-1])
    at = np.flatnonzero(change)
    return {
        "ring_id": ring_ids[at].tolist(),
        "shop": shops[at].tolist(),
        "start": [*at.tolist(), len(rows)],
    }


def _context_node(node: str, label: str, kind: str, title: str) -> dict[str, object]:
    return {
        "id": node,
        "label": label,
        "idlabel": label,
        "kind": kind,
        "title": title,
        "shape": "dot" if kind == "outside" else "square",
        "size": 10,
        # one colour dict per kind, shared by the nodes (they are written, never changed)
        "color": _CONTEXT_COLOURS[kind],
    }


_CONTEXT_COLOURS = {
    kind: {
        "background": colour,
        "border": colour,
        "highlight": {"background": colour, "border": "#111"},
        "hover": {"background": colour, "border": "#111"},
    }
    for kind, colour in KIND_COLOURS.items()
}


def left_out(g: nx.Graph) -> dict[str, int]:
    """How many shops, shared identifiers and origins the graph leaves out (over MAX_NODES)."""
    return dict(g.graph.get("left_out", {"shops": 0, "identifiers": 0, "origins": 0}))


def _circle(n: int) -> np.ndarray:
    """``n`` points evenly on the unit circle: a layout's start (the same graph gets the
    same picture)."""
    angle = np.linspace(0.0, 2 * math.pi, n, endpoint=False)
    return np.c_[np.cos(angle), np.sin(angle)]


def kamada_kawai(g: nx.Graph) -> dict[Any, tuple[float, float]]:
    """Kamada-Kawai positions from an even circle (so the same graph gets the same
    picture): igraph's, compiled, when the ``fast`` extra is installed (about 20 times
    quicker), else networkx's."""
    nodes = sorted(g.nodes())
    start = _circle(len(nodes))
    try:
        import igraph
    except ImportError:
        found = nx.kamada_kawai_layout(g, pos=dict(zip(nodes, start, strict=True)))
        return {k: (float(v[0]), float(v[1])) for k, v in found.items()}
    coords = _igraph(igraph, g, nodes).layout_kamada_kawai(seed=start.tolist()).coords
    return {node: (float(x), float(y)) for node, (x, y) in zip(nodes, coords, strict=True)}


def spring(g: nx.Graph, seed: int = 42) -> dict[Any, tuple[float, float]]:
    """Spring-layout positions: igraph's GraphOpt (``GRAPHOPT_*``, compiled, several
    times quicker) from an even circle when the ``fast`` extra is installed, else
    networkx's Fruchterman-Reingold from ``seed``'s random start. Either gives the same
    graph the same picture."""
    try:
        import igraph
    except ImportError:
        n = g.number_of_nodes()
        found = nx.spring_layout(g, seed=seed, k=SVG_SPREAD / math.sqrt(n), iterations=50)
        return {k: (float(v[0]), float(v[1])) for k, v in found.items()}
    nodes = sorted(g.nodes())
    # a circle some spring lengths wide: the layout unfolds from there
    start = _circle(len(nodes)) * math.sqrt(len(nodes)) * GRAPHOPT_SPRING
    coords = (
        _igraph(igraph, g, nodes)
        .layout_graphopt(
            seed=start.tolist(),
            niter=GRAPHOPT_STEPS,
            node_charge=GRAPHOPT_CHARGE,
            spring_length=GRAPHOPT_SPRING,
        )
        .coords
    )
    return {node: (float(x), float(y)) for node, (x, y) in zip(nodes, coords, strict=True)}


def _igraph(igraph: Any, g: nx.Graph, nodes: list[Any]) -> Any:
    """``g`` as an igraph graph, its vertices numbered in the order of ``nodes``."""
    index = {node: i for i, node in enumerate(nodes)}
    return igraph.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b in g.edges()])


#: Label size in the print picture (px at 1000 px wide) and the width of one character.
LABEL_PX = 11
_CHAR_W = 0.62 * LABEL_PX


def _labels(g: nx.Graph, xy: dict[Any, tuple[float, float]]) -> list[str]:
    """Labels that do not overlap: shared identifiers first (most shops first), then shops
    by risk; a label that would cover one already placed is left out (the tables list all)."""
    order = sorted(
        g.nodes(data=True), key=lambda na: (na[1]["kind"] in SHOP_KINDS, -na[1]["size"], na[0])
    )
    placed: list[tuple[float, float, float, float]] = []
    texts = []
    for node, attrs in order:
        text = short_label(attrs["label"], 22)
        x, y = xy[node]
        y += attrs["size"] / 3 + LABEL_PX
        half = len(text) * _CHAR_W / 2
        box = (x - half, y - LABEL_PX, x + half, y + 2)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
            continue
        placed.append(box)
        texts.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle">{xml_text(text)}</text>')
    return texts


def ring_svg(g: nx.Graph, width: int = 1000, height: int = 1150, seed: int = 42) -> str:
    """A static picture of the ring graph for printed reports (same colours and shapes)."""
    rid = xml_text(g.graph.get("ring_id", ""))
    if g.number_of_nodes() == 0:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
            f'<text x="20" y="30">{rid}: nothing to draw</text></svg>'
        )
    n = g.number_of_nodes()
    if KK_NODES[0] <= n <= KK_NODES[1] and nx.is_connected(g):
        pos = kamada_kawai(g)
    else:
        pos = spring(g, seed)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    pad, legend_w, top = 60, 200, 60

    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)

    def sx(x: float) -> float:
        return pad + (x - x0) / ((x1 - x0) or 1) * (width - 2 * pad - legend_w)

    def sy(y: float) -> float:
        return top + (y - y0) / ((y1 - y0) or 1) * (height - top - pad)

    kinds = _kind_counts(g)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" '
        'font-size="11">',
        f"<title>Ring {rid}</title>",
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{pad}" y="24" font-size="16" font-weight="bold">Ring {rid}</text>',
        f'<text x="{pad}" y="40" font-size="10" fill="#555">'
        f"{sum(n for k, n in kinds.items() if k in SHOP_KINDS)} shops, "
        f"{sum(n for k, n in kinds.items() if k not in SHOP_KINDS)} shared identifiers and "
        "shipment origins; line width = parcels sent</text>",
        '<g stroke="#bbb" stroke-opacity="0.8">',
    ]
    # each node placed (and its place written) once, not again for each of its edges
    placed = {node: (sx(p[0]), sy(p[1])) for node, p in pos.items()}
    written = {node: (f"{x:.1f}", f"{y:.1f}") for node, (x, y) in placed.items()}
    for a, b, attrs in sorted(g.edges(data=True)):
        ships = attrs.get("shipments")
        style = (
            f' stroke="#f5b77a" stroke-width="{1 + math.log2(1 + ships) / 2:.1f}"' if ships else ""
        )
        (ax, ay), (bx, by) = written[a], written[b]
        out.append(f'<line x1="{ax}" y1="{ay}" x2="{bx}" y2="{by}"{style}/>')
    out.append("</g>")
    labels = n <= 250
    marks: list[str] = []
    texts: list[str] = []
    for node, attrs in sorted(g.nodes(data=True)):
        x, y = placed[node]
        r = attrs["size"] / 3
        colour = KIND_COLOURS[attrs["kind"]]
        tip = f"<title>{xml_text(attrs['title'])}</title>"
        if attrs["kind"] in SHOP_KINDS:
            shape = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colour}">{tip}</circle>'
        else:
            shape = (
                f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}"'
                f' fill="{colour}">{tip}</rect>'
            )
        marks.append(shape)
    if labels:
        texts = _labels(g, placed)
    out.extend(marks)
    out.append('<g fill="#333" stroke="white" stroke-width="2.5" paint-order="stroke">')
    out.extend(texts)
    out.append("</g>")
    lx = width - legend_w + 10
    out.append(f'<text x="{lx}" y="{top}" font-size="11" font-weight="bold">Legend</text>')
    row = 0
    for kind, colour in KIND_COLOURS.items():
        if not kinds.get(kind, 0):
            continue
        y = top + 18 + 18 * row
        row += 1
        mark = (
            f'<circle cx="{lx + 6}" cy="{y - 4}" r="6" fill="{colour}"/>'
            if kind in SHOP_KINDS
            else f'<rect x="{lx}" y="{y - 10}" width="12" height="12" fill="{colour}"/>'
        )
        out.append(
            f'{mark}<text x="{lx + 18}" y="{y}" font-size="10">'
            f"{xml_text(KIND_LABELS[kind])} ({int(kinds[kind])})</text>"
        )
    out.append("</svg>")
    return "\n".join(out)
