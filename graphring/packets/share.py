"""A writer's share of the rings and the rows of the run its packets draw on.

The big tables (holdings, shipments, listings, spellings, memberships) are cut once,
before the writers fork, to the rows of the rings' shops (:meth:`RingRows.of`): every use
of them is an inner join on those shops (or on the identifiers they hold), so the rows
left out never reach a packet, and the rows kept stay in their order. Each forked writer
then takes a share of the rings (:func:`shares`, balanced by the rings' sizes) and cuts
those rows again to its share's, so the per-ring tables are made over the writers too
(and the writers do not walk the big tables: each would copy the pages it touches).
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
    #: RunResult.merchants and the merchants table's names (merchant_id, name) of the
    #: merchants a membership above names
    merchants: pd.DataFrame
    names: pd.DataFrame

    def of(self, ring_ids: Collection[str]) -> RingRows:
        """The rows the packets of ``ring_ids`` (rings among these rows') draw on."""
        rings = pd.Index(list(ring_ids), dtype=object)
        members = self.members.loc[self.members["ring_id"].isin(rings)]
        shops = pd.Index(members["merchant_id"].unique())
        memberships = None
        held_by = shops
        if self.memberships is not None:
            ms = self.memberships
            nodes = ms.loc[ms["merchant_id"].isin(shops), "node"].unique()
            memberships = ms.loc[ms["node"].isin(nodes)]
            held_by = pd.Index(memberships["merchant_id"].unique())
        merchants, names = _of_shops_both(self.merchants, self.names, held_by)
        return RingRows(
            members=members,
            evidence=self.evidence.loc[self.evidence["ring_id"].isin(rings)],
            leads=self.leads.loc[self.leads["ring"].isin(rings)],
            shipments=_of_shops(self.shipments, shops),
            holdings=_of_shops(self.holdings, shops),
            listings=_of_shops(self.listings, shops),
            spellings=_of_shops(self.spellings, shops) if self.spellings is not None else None,
            memberships=memberships,
            merchants=merchants,
            names=names,
        )


def run_rows(result: RunResult) -> RingRows:
    """Every row of ``result`` the packets may draw on (to cut with :meth:`RingRows.of`)."""
    tables = result.tables
    return RingRows(
        members=result.members,
        evidence=result.evidence,
        leads=result.leads.assign(ring=result.leads["rings"].str.split(";")).explode("ring"),
        shipments=tables["shipments"],
        holdings=tables["holdings"],
        listings=tables["listings"],
        spellings=tables.get("spellings"),
        memberships=result.links.memberships if result.links is not None else None,
        merchants=result.merchants,
        names=tables["merchants"][["merchant_id", "name"]],
    )


def _of_shops(frame: pd.DataFrame, shops: pd.Index) -> pd.DataFrame:
    """The rows of ``frame`` whose shop is one of ``shops``, in their order."""
    at = _bisected_rows(frame["merchant_id"].to_numpy(), shops.to_numpy())
    if at is None:
        return frame.loc[frame["merchant_id"].isin(shops)]
    return frame.take(at)


def _of_shops_both(
    first: pd.DataFrame, second: pd.DataFrame, shops: pd.Index
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`_of_shops` of two tables; the shops of the first looked up once for both when
    the second lists the same shops in the same order (RunResult.merchants and the
    merchants table do)."""
    ids, other = first["merchant_id"].to_numpy(), second["merchant_id"].to_numpy()
    if len(ids) != len(other) or not bool((ids == other).all()):
        return _of_shops(first, shops), _of_shops(second, shops)
    keep = first["merchant_id"].isin(shops).to_numpy()
    return first.loc[keep], second.loc[keep]


#: Below one wanted shop per this many rows, rows are found by bisection (:func:`_bisected_rows`).
_BISECT_EVERY = 64


def _bisected_rows(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray | None:
    """The positions of the ``ids`` equal to one of ``wanted``, ascending, found by
    bisection when ``ids`` ascend and both are text (the holdings come sorted by shop: a
    few thousand ring shops are looked up without hashing the shop of each of millions
    of rows); None otherwise."""
    # two bisections of each wanted id against one hash lookup of each row
    if ids.dtype != object or wanted.dtype != object or len(wanted) * _BISECT_EVERY > len(ids):
        return None
    try:
        # most tables that are not sorted show it in their first rows
        head = ids[:1024]
        if not bool((head[1:] >= head[:-1]).all()) or not bool((ids[1:] >= ids[:-1]).all()):
            return None
        if not all(type(v) is str for v in wanted):
            return None
        want = np.unique(wanted)
        lo = np.searchsorted(ids, want, side="left")
        hi = np.searchsorted(ids, want, side="right")
    except TypeError:  # values that are not all text
        return None
    lengths = hi - lo
    starts = np.repeat(lo - (np.cumsum(lengths) - lengths), lengths)
    return starts + np.arange(int(lengths.sum()))


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
