"""Every ring's page tables at once: the parts :func:`graphring.packets.ring_page.page_parts`
makes for one ring, made for all rings from the whole frames (rows arranged once, cells
formatted in one pass, then cut per ring).

Each ring's parts equal its own ``page_parts``: the rows are arranged by the same rules
(each rule keeps a ring's rows in their own order, so arranging the whole frame arranges
every ring's cut), and :func:`graphring.packets.pages.tables_by` formats the cells as
:func:`graphring.packets.pages.table` does.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from graphring.packets import pages, ring_page
from graphring.packets.timeline import NO_DATES, site_days_by_ring, timelines
from graphring.schema import (
    LISTING_EVIDENCE_COLUMNS,
    PACKET_EVIDENCE_COLUMNS,
    PACKET_LEAD_COLUMNS,
    PACKET_MEMBER_COLUMNS,
)


class PageParts:
    """Each ring's page parts; :meth:`of` gives one ring's, as ``page_parts`` would."""

    def __init__(
        self,
        members: pd.DataFrame,
        evidence: pd.DataFrame,
        leads: pd.DataFrame,
        listings: pd.DataFrame,
        provinces: pd.DataFrame,
        provenance: pd.DataFrame,
        timeline: pd.DataFrame,
        days: pd.DataFrame,
        lead_ring: str = "ring",
    ) -> None:
        """The frames of every ring (``ring_id`` naming the ring; ``leads`` one row per
        ring and site, its ring in ``lead_ring``), each as ``page_parts`` takes one ring's
        cut; ``timeline`` as ``packets.write.monthly`` gives it, ``days`` as
        ``case.site_days`` does."""
        mem, weak = ring_page.member_rows(members)
        ev = ring_page.evidence_rows(evidence)
        ld = ring_page.lead_rows(leads)
        self.parts: dict[str, dict[Any, str]] = {
            "weak": {
                rid: ring_page.weak_ties(rid, rows)
                for rid, rows in mem.loc[weak].groupby("ring_id", sort=False)
            },
            "members": pages.tables_by(
                mem[PACKET_MEMBER_COLUMNS], mem["ring_id"], "members", min_filter="risk_score"
            ),
            "evidence": pages.tables_by(ev[PACKET_EVIDENCE_COLUMNS], ev["ring_id"], "evidence"),
            "provenance": pages.tables_by(
                provenance.drop(columns="ring_id"), provenance["ring_id"], "provenance"
            ),
            "leads": pages.tables_by(
                ld[PACKET_LEAD_COLUMNS], ld[lead_ring], "leads", min_filter="score"
            ),
            "provinces": pages.tables_by(
                provinces.drop(columns="ring_id"),
                provinces["ring_id"],
                "provinces",
                filter_box=False,
            ),
            "listings": pages.tables_by(
                listings[LISTING_EVIDENCE_COLUMNS], listings["ring_id"], "listings"
            ),
            "timeline": timelines(timeline),
            "days": site_days_by_ring(days, leads, lead_ring),
        }
        none = pages.table(pd.DataFrame(), "")
        self.empty = {
            "weak": "",
            "members": none,
            "evidence": none,
            "provenance": pages.table(pd.DataFrame(), "", empty=ring_page.NO_PROVENANCE),
            "leads": none,
            "provinces": none,
            "listings": pages.table(pd.DataFrame(), "", empty=ring_page.NO_LISTINGS),
            "timeline": NO_DATES,
            "days": "",
        }

    def of(self, ring_id: str) -> dict[str, str]:
        """One ring's parts (a ring without rows in a table gets its empty text)."""
        return {
            name: by_ring.get(ring_id, self.empty[name]) for name, by_ring in self.parts.items()
        }
