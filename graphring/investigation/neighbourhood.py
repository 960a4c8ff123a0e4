"""A shop's neighbourhood: the shops it reaches through identifiers they share, walked
hop by hop (supernodes, the hubs everyone uses, are not walked through), and its graph."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import networkx as nx
import pandas as pd

from graphring.investigation.display import graph_document, graph_html, legend_entries, show
from graphring.packets import graph as ring_graphs
from graphring.packets.graph import as_text, short_label

#: Shops shown at most in a neighbourhood's graph (the tables keep them all).
MAX_NEIGHBOURHOOD_SHOPS = 400

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

    >>> from graphring.investigation import sample_investigation
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
                        f"{s.merchant_id} · {as_text(s.name)}",
                        ", ".join(y for y in (as_text(s.province), as_text(s.city)) if y),
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
                label=short_label(str(i.key)),
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
        legend = legend_entries(
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
        show(self.graph_html(height), repr(self))

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>" + self.graph_html()


def walk(
    merchant_id: str,
    hops: int,
    holdings: pd.DataFrame,
    known: pd.DataFrame,
    merchants: pd.DataFrame,
) -> Neighbourhood:
    """The shops ``merchant_id`` reaches in ``hops`` (1 or 2) steps through identifiers
    they share. ``holdings``: linkable holdings (supernodes left out) with each identifier's
    holders; ``known``: the input merchants table (names, places); ``merchants``: the
    run's merchants (ring_id, risk_score)."""
    h = holdings
    if hops not in (1, 2):
        raise ValueError("hops must be 1 or 2")
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
    risk = merchants[["merchant_id", "ring_id", "risk_score"]]
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
