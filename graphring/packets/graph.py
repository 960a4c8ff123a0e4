"""The graph of one ring: its shops and what they share, for vis-network and for print.

Shipments are aggregated per origin address (an origin node carries its parcel count), so
a ring with thousands of parcels stays a few hundred nodes at most.
"""

from __future__ import annotations

import html
import math

import networkx as nx
import pandas as pd

#: Node colours by kind, shown in the legend.
KIND_COLOURS = {
    "shop": "#d62728",
    "associate": "#ff9896",
    "address": "#1f77b4",
    "account": "#2ca02c",
    "phone": "#9467bd",
    "device": "#8c564b",
    "email": "#e377c2",
    "ip": "#7f7f7f",
    "other": "#bcbd22",
}
MAX_IDENTIFIER_NODES = 400


def ring_graph(ring_id: str, members: pd.DataFrame, evidence: pd.DataFrame) -> nx.Graph:
    """Shops of one ring joined to the identifiers two or more of them share.

    ``members``: this ring's rows of RunResult.members; ``evidence``: this ring's evidence.
    """
    g = nx.Graph(ring_id=ring_id)
    for row in members.sort_values("merchant_id").itertuples(index=False):
        kind = "shop" if row.core else "associate"
        g.add_node(
            f"m:{row.merchant_id}",
            label=str(row.merchant_id),
            kind=kind,
            title=f"{row.name} · {row.province} · risk {row.risk_score:g}",
            size=12 + float(row.risk_score) / 8,
        )
    ev = evidence.head(MAX_IDENTIFIER_NODES)
    for row in ev.itertuples(index=False):
        node = f"i:{row.kind}:{row.key}"
        kind = row.kind if row.kind in KIND_COLOURS else "other"
        label = row.key if len(row.key) <= 28 else row.key[:26] + "…"
        roles = f" ({row.roles})" if row.roles else ""
        ships = f", {row.shipments} shipments sent from here" if row.shipments else ""
        g.add_node(
            node,
            label=label,
            kind=kind,
            title=f"{row.kind}{roles}: {row.key} — {row.shops_in_ring} shops of this "
            f"ring, {row.shops_total} in all{ships}",
            size=8 + 3 * math.log2(1 + row.shops_in_ring) + math.log2(1 + row.shipments),
        )
        for mid in row.merchant_ids.split(";"):
            if g.has_node(f"m:{mid}"):
                g.add_edge(f"m:{mid}", node)
    return g


def vis_data(g: nx.Graph) -> dict[str, list[dict[str, object]]]:
    """Nodes and edges in vis-network's shape (pyvis's, without its page)."""
    from pyvis.network import Network

    net = Network(height="600px", width="100%")
    for node, attrs in g.nodes(data=True):
        net.add_node(
            node,
            label=attrs["label"],
            title=attrs["title"],
            color=KIND_COLOURS[attrs["kind"]],
            size=round(attrs["size"], 1),
            group=attrs["kind"],
            shape="dot" if attrs["kind"] in ("shop", "associate") else "square",
        )
    for a, b in g.edges():
        net.add_edge(a, b)
    return {"nodes": net.nodes, "edges": [{"from": e["from"], "to": e["to"]} for e in net.edges]}


def ring_svg(g: nx.Graph, width: int = 900, height: int = 700, seed: int = 42) -> str:
    """A static picture of the ring graph for printed reports."""
    if g.number_of_nodes() == 0:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"/>'
    pos = nx.spring_layout(g, seed=seed, k=1.5 / math.sqrt(g.number_of_nodes()))
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    pad = 40

    def sx(x: float) -> float:
        return pad + (x - min(xs)) / ((max(xs) - min(xs)) or 1) * (width - 2 * pad - 180)

    def sy(y: float) -> float:
        return pad + (y - min(ys)) / ((max(ys) - min(ys)) or 1) * (height - 2 * pad)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{pad}" y="20" font-size="14">{html.escape(str(g.graph["ring_id"]))}</text>',
    ]
    for a, b in sorted(g.edges()):
        out.append(
            f'<line x1="{sx(pos[a][0]):.1f}" y1="{sy(pos[a][1]):.1f}" '
            f'x2="{sx(pos[b][0]):.1f}" y2="{sy(pos[b][1]):.1f}" stroke="#bbb"/>'
        )
    for node, attrs in sorted(g.nodes(data=True)):
        x, y = sx(pos[node][0]), sy(pos[node][1])
        r = attrs["size"] / 3
        colour = KIND_COLOURS[attrs["kind"]]
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colour}">'
            f"<title>{html.escape(attrs['title'])}</title></circle>"
        )
    for i, (kind, colour) in enumerate(KIND_COLOURS.items()):
        y = pad + 18 * i
        out.append(
            f'<circle cx="{width - 160}" cy="{y}" r="6" fill="{colour}"/>'
            f'<text x="{width - 148}" y="{y + 4}">{kind}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)
