"""Ring identity across runs: which of today's rings are yesterday's, grown, merged or split.

A ring keeps its id while it is substantially the same group: a new ring and a previous one
continue each other when most of either's shops are in the other. Pairs are matched
greedily, largest overlap first (ties by id), so each id continues at most once; what is
left over is new, split off, merged in, or dissolved.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


def material_growth(size_before: int) -> int:
    """How many added shops make a change material: 2, or a tenth of the ring if larger."""
    return max(2, math.ceil(0.1 * size_before))


@dataclass
class Lineage:
    #: new ring id (as detected) -> id it carries from now on
    ids: dict[str, str]
    changes: dict[str, Any] = field(default_factory=dict)


def match_rings(
    current: dict[str, set[str]],
    previous: dict[str, set[str]],
    provinces: dict[str, str] | None = None,
) -> Lineage:
    """Carry previous ring ids onto current rings and list what changed.

    ``current`` and ``previous`` map ring ids to core member sets; ``provinces`` maps
    merchant ids to provinces (for the provinces a grown ring reached).
    """
    provinces = provinces or {}
    rows = [
        (len(n & p), nid, pid) for nid, n in current.items() for pid, p in previous.items() if n & p
    ]
    overlap = {(nid, pid): c for c, nid, pid in rows}
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    matched_n: dict[str, str] = {}
    matched_p: dict[str, str] = {}
    for c, nid, pid in rows:
        if nid in matched_n or pid in matched_p:
            continue
        if c * 2 > len(previous[pid]) or c * 2 > len(current[nid]):
            matched_n[nid], matched_p[pid] = pid, nid
    ids = _carried_ids(current, previous, matched_n)
    new: list[dict[str, Any]] = []
    grown: list[dict[str, Any]] = []
    shrunk: list[dict[str, Any]] = []
    merged: list[dict[str, Any]] = []
    split: list[dict[str, Any]] = []
    dissolved: list[dict[str, Any]] = []
    unchanged = 0
    for nid in sorted(current):
        members = current[nid]
        rid = ids[nid]
        if nid in matched_n:
            before = previous[rid]
            added = sorted(members - before)
            removed = sorted(before - members)
            sources = sorted(
                pid
                for pid in previous
                if pid not in matched_p and overlap.get((nid, pid), 0) * 2 > len(previous[pid])
            )
            if sources:
                merged.append({"ring_id": rid, "from": [rid, *sources], "size": len(members)})
            if added:
                old_prov = {provinces.get(m, "") for m in before}
                grown.append(
                    {
                        "ring_id": rid,
                        "added": added,
                        "size_before": len(before),
                        "size": len(members),
                        "provinces_added": sorted(
                            {provinces.get(m, "") for m in added} - old_prov - {""}
                        ),
                        "material": len(added) >= material_growth(len(before)),
                    }
                )
            if removed:
                shrunk.append({"ring_id": rid, "removed": removed, "size": len(members)})
            if not added and not removed and not sources:
                unchanged += 1
        else:
            parents = sorted(
                pid for pid in previous if overlap.get((nid, pid), 0) * 2 > len(members)
            )
            if parents:
                split.append({"ring_id": rid, "from": parents[0], "size": len(members)})
            else:
                new.append({"ring_id": rid, "size": len(members)})
    merged_away = {s for m in merged for s in m["from"][1:]}
    for pid in sorted(previous):
        if pid not in matched_p and pid not in merged_away:
            dissolved.append({"ring_id": pid, "size": len(previous[pid])})
    return Lineage(
        ids=ids,
        changes={
            "new": new,
            "grown": grown,
            "shrunk": shrunk,
            "merged": merged,
            "split": split,
            "dissolved": dissolved,
            "unchanged": unchanged,
        },
    )


def _carried_ids(
    current: dict[str, set[str]], previous: dict[str, set[str]], matched: dict[str, str]
) -> dict[str, str]:
    """The id each current ring carries: the previous ring's it continues, else its own; a
    new ring whose own id a previous ring had (and does not hand on) takes the first of
    ``b``, ``b2``, ``b3``... appended that no previous or current ring holds.

    >>> _carried_ids({"R-1": {"m"}, "R-1b": {"n"}}, {"R-1": {"x"}}, {})
    {'R-1': 'R-1b2', 'R-1b': 'R-1b'}
    """
    kept = {nid for nid in current if nid not in matched and nid not in previous}
    taken = set(previous) | kept
    ids: dict[str, str] = {}
    for nid in sorted(current):
        if nid in matched:
            ids[nid] = matched[nid]
        elif nid in kept:
            ids[nid] = nid
        else:
            ids[nid] = next(
                c
                for c in (nid + ("b" if i == 1 else f"b{i}") for i in itertools.count(1))
                if c not in taken
            )
            taken.add(ids[nid])
    return ids


def relabel(frame: pd.DataFrame, ids: dict[str, str], column: str = "ring_id") -> pd.DataFrame:
    """Rename ring ids in ``column`` (a ``;``-joined list of ids works too)."""
    if column not in frame or frame.empty:
        return frame
    col = frame[column].astype(str)
    if col.str.contains(";").any():
        mapped = col.str.split(";").map(lambda xs: ";".join(sorted(ids.get(x, x) for x in xs)))
    else:
        mapped = col.map(lambda x: ids.get(x, x))
    return frame.assign(**{column: mapped})
