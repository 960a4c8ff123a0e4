"""One suspected ring, as the notebook shows it: members, evidence, leads, a monthly
timeline, counterfeit listings and its graph (the packet's, drawn inline)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import pandas as pd

from graphring.investigation.display import graph_document, graph_html, legend_entries, show
from graphring.packets import graph as ring_graphs
from graphring.packets.case import full_months
from graphring.packets.write import listing_evidence, monthly

if TYPE_CHECKING:
    from graphring.investigation.session import Investigation


@dataclass(eq=False)
class Ring:
    """One suspected ring: what it is, who is in it, what gives it away, where to go.

    >>> from graphring.investigation import sample_investigation
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

    def identifiers(self) -> pd.DataFrame:
        """kind, key, shops (members holding it), holders: every identifier a member holds,
        supernodes left out (without the input data: the ring's evidence)."""
        return self._inv.identifiers_held(self)

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
        counts, _ = monthly(self.members.assign(ring_id=self.ring_id), shipments)
        if counts.empty:
            empty = pd.DataFrame({"shops_opened": [], "shipments": []}, dtype="int64")
            return empty.rename_axis("month")
        out = full_months(counts.droplevel(0)).rename(
            columns={"shops opened": "shops_opened", "shipments sent": "shipments"}
        )
        return out.astype("int64").rename_axis("month")

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
        left = ring_graphs.left_out(g)
        note = ", ".join(f"{v} {k}" for k, v in left.items() if v)
        title = f"Ring {self.ring_id} · score {self.score:g} · {g.number_of_nodes()} nodes"
        doc = graph_document(
            nodes,
            edges,
            title,
            legend_entries(
                g,
                ring_graphs.KIND_COLOURS,
                ring_graphs.KIND_LABELS,
                ("shop", "associate"),
            ),
            note=f"not drawn: {note}" if note else "",
        )
        return graph_html(doc, height, f"ring {self.ring_id}", g.number_of_nodes())

    def show(self, height: int = 640) -> None:
        """Draw the ring's graph in the notebook: drag, zoom, hover for details."""
        show(self.graph_html(height), repr(self))

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
