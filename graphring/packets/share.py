"""A writer's share of the rings and the rows of the run its packets draw on.

Each forked packet writer takes a share of the rings (:func:`shares`, balanced by the
rings' sizes) and cuts what its packets draw on from the run's tables itself
(:func:`ring_rows`), so that work is spread over the writers too. The big tables
(holdings, shipments, listings, spellings, memberships) are narrowed to the shops of the
share's rings first: every use of them is an inner join on those shops (or on the
identifiers they hold), so the rows left out never reach a packet, and the rows kept
stay in their order.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from graphring.pipeline import RunResult


@dataclass(frozen=True)
class RingRows:
    """The rows of a run that some rings' packets draw on (RunResult's frames, cut)."""

    members: pd.DataFrame
    evidence: pd.DataFrame
    #: one row per lead and ring, the ring in ``ring``
    leads: pd.DataFrame
    shipments: pd.DataFrame
    holdings: pd.DataFrame
    listings: pd.DataFrame
    spellings: pd.DataFrame | None
    #: Links' memberships of the identifiers the rings' shops hold (every holder)
    memberships: pd.DataFrame | None
    #: every merchant a membership above names: merchant_id, name, risk_score, ring_id
    merchants: pd.DataFrame | None


def ring_rows(result: RunResult, ring_ids: Collection[str]) -> RingRows:
    """What the packets of ``ring_ids`` draw on from ``result``."""
    rings = pd.Index(list(ring_ids), dtype=object)
    members = result.members.loc[result.members["ring_id"].isin(rings)]
    leads = result.leads.assign(ring=result.leads["rings"].str.split(";")).explode("ring")
    shops = pd.Index(members["merchant_id"].unique())
    tables = result.tables
    spell = tables.get("spellings")
    memberships = merchants = None
    if result.links is not None:
        ms = result.links.memberships
        nodes = ms.loc[ms["merchant_id"].isin(shops), "node"].unique()
        memberships = ms.loc[ms["node"].isin(nodes)]
        named = result.merchants.loc[
            result.merchants["merchant_id"].isin(memberships["merchant_id"])
        ]
        names = tables["merchants"][["merchant_id", "name"]]
        merchants = named.merge(
            names.loc[names["merchant_id"].isin(named["merchant_id"])], on="merchant_id"
        )
    return RingRows(
        members=members,
        evidence=result.evidence.loc[result.evidence["ring_id"].isin(rings)],
        leads=leads.loc[leads["ring"].isin(rings)],
        shipments=_of_shops(tables["shipments"], shops),
        holdings=_of_shops(tables["holdings"], shops),
        listings=_of_shops(tables["listings"], shops),
        spellings=_of_shops(spell, shops) if spell is not None else None,
        memberships=memberships,
        merchants=merchants,
    )


def _of_shops(frame: pd.DataFrame, shops: pd.Index) -> pd.DataFrame:
    return frame.loc[frame["merchant_id"].isin(shops)]


def shares(docs: Sequence[dict[str, Any]], processes: int) -> list[list[int]]:
    """The positions of ``docs`` (rings as rings.json holds them) each of ``processes``
    writers takes: the biggest rings first, each to the writer with the least work so far
    (a ring's work taken as proportional to its shops and shared identifiers, plus a
    constant); each share in the docs' order."""
    if processes <= 1:
        return [list(range(len(docs)))]
    work = np.array(
        [
            _RING_BASE + len(d["members"]) + len(d["associates"]) + len(d["shared_identifiers"])
            for d in docs
        ],
        dtype=float,
    )
    load = [(0.0, i) for i in range(processes)]
    taken: list[list[int]] = [[] for _ in range(processes)]
    for pos in np.argsort(-work, kind="stable").tolist():
        done, who = heapq.heappop(load)
        taken[who].append(pos)
        heapq.heappush(load, (done + work[pos], who))
    return [sorted(t) for t in taken]


#: A ring's fixed work (its page, files, layout start) in shops' worth.
_RING_BASE = 10.0
