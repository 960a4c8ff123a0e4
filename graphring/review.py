"""Investigators' review of a ring's members and of the ring itself, as runs show it.

    WS/exclusions.jsonl   one JSON object per line, append-only: a shop taken out of a ring
                          (``"action": "exclude"``) or put back (``"include"``), with a note,
                          who and when; the latest line for a (ring, shop) pair holds
    WS/cases.jsonl        the decisions on whole rings (:mod:`graphring.jobs`)

A shop excluded from a ring leaves it from the next scheduled run on: the group that
carries the ring on is cut without it (so its leads go with it, unless other members use
them), while the shop stays in merchants.csv with its own risk.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from graphring.errors import InputError
from graphring.rundir.custody import sha256_file

#: Columns of :func:`exclusions` (one row per shop held out of a ring).
EXCLUSION_COLUMNS = ["ring_id", "merchant_id", "note", "by", "at", "run_id"]
#: Columns :func:`attach_decisions` gives the rings table.
DECISION_COLUMNS = ["status", "note", "decided_by", "decided_at", "decided_run"]
ACTIONS = ("exclude", "include")


def _whole_line(line: dict[str, Any]) -> bool:
    return (
        isinstance(line.get("ring_id"), str)
        and isinstance(line.get("merchant_id"), str)
        and line.get("action") in ACTIONS
    )


def _lines(path: Path) -> pd.DataFrame:
    """The whole lines of ``path`` as a frame (empty when there is no file); a line cut
    short by a kill is skipped with a warning (:func:`graphring.jobs.json_lines`)."""
    from graphring.jobs import json_lines

    return pd.DataFrame(json_lines(path, _whole_line))


def exclusions(workspace: str | Path) -> pd.DataFrame:
    """Shops held out of rings now: the pairs whose latest line says ``exclude``."""
    lines = _lines(Path(workspace) / "exclusions.jsonl")
    if lines.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in EXCLUSION_COLUMNS})
    latest = lines.drop_duplicates(["ring_id", "merchant_id"], keep="last")
    held = latest.loc[latest["action"] == "exclude", EXCLUSION_COLUMNS]
    return held.sort_values(["ring_id", "merchant_id"], kind="stable").reset_index(drop=True)


def set_member(
    workspace: str | Path,
    ring_id: str,
    merchant_id: str,
    action: str,
    note: str = "",
    by: str | None = None,
) -> dict[str, Any]:
    """Take ``merchant_id`` out of ``ring_id`` (``exclude``) or put it back (``include``)
    from the workspace's next run on. The ring must be in the latest run; an excluded shop
    must be one of its members, an included one must be held out of it now."""
    from graphring.jobs import _now, _user, append_line, latest_run, previous_run

    workspace = Path(workspace)
    if action not in ACTIONS:
        raise InputError(f"action must be exclude or include, not {action!r}")
    previous = previous_run(workspace)
    folder = latest_run(workspace)
    if previous is None or folder is None:
        raise InputError("the workspace has no run yet", file=str(workspace))
    rings = {r["ring_id"]: r for r in json.loads((folder / "rings.json").read_text("utf-8"))}
    if ring_id not in rings:
        raise InputError(
            f"ring {ring_id} is not in the workspace's latest run ({previous.run_id})",
            file=str(workspace),
        )
    held = exclusions(workspace)
    is_held = bool(((held["ring_id"] == ring_id) & (held["merchant_id"] == merchant_id)).any())
    ring = rings[ring_id]
    if action == "exclude" and merchant_id not in set(ring["members"]) | set(
        ring.get("associates", [])
    ):
        raise InputError(f"shop {merchant_id} is not a member of ring {ring_id}")
    if action == "include" and not is_held:
        raise InputError(f"shop {merchant_id} is not excluded from ring {ring_id}")
    line = {
        "ring_id": ring_id,
        "merchant_id": merchant_id,
        "action": action,
        "note": note,
        "by": by or _user(),
        "at": _now(),
        "run_id": previous.run_id,
    }
    append_line(workspace / "exclusions.jsonl", json.dumps(line, ensure_ascii=False))
    return line


def apply_exclusions(
    groups: pd.DataFrame,
    held: pd.DataFrame,
    previous: dict[str, set[str]],
    min_ring_size: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cut excluded shops out of the detected groups that carry their rings on.

    ``groups``: merchant_id, group, core (detection's output); ``held``: ring_id,
    merchant_id (+ note, by, at); ``previous``: the previous run's ring id -> members. A group
    carries a ring on when it holds any of the ring's previous members. A group left with
    fewer than ``min_ring_size`` core shops is no ring any more.

    Returns the groups left and the exclusions applied (``held``'s rows with ``group``).

    >>> g = pd.DataFrame({"merchant_id": list("abcd"), "group": 0, "core": True})
    >>> held = pd.DataFrame({"ring_id": ["R-1"], "merchant_id": ["d"]})
    >>> left, done = apply_exclusions(g, held, {"R-1": {"a", "b", "c", "d"}}, 3)
    >>> sorted(left["merchant_id"]), list(done["merchant_id"])
    (['a', 'b', 'c'], ['d'])
    """
    if held.empty or groups.empty:
        return groups, held.assign(group=pd.Series(dtype="int64")).head(0)
    was = pd.DataFrame(
        [(rid, m) for rid in held["ring_id"].unique() for m in previous.get(rid, ())],
        columns=["ring_id", "merchant_id"],
    )
    carriers = was.merge(groups[["merchant_id", "group"]], on="merchant_id")[
        ["ring_id", "group"]
    ].drop_duplicates()
    done = held.merge(carriers, on="ring_id").merge(
        groups[["merchant_id", "group"]], on=["merchant_id", "group"]
    )
    cut = pd.MultiIndex.from_frame(done[["group", "merchant_id"]])
    keep = ~pd.MultiIndex.from_frame(groups[["group", "merchant_id"]]).isin(cut)
    left = groups.loc[keep]
    core_size = left.groupby("group")["core"].transform("sum")
    return left.loc[core_size >= min_ring_size].reset_index(drop=True), done


def decisions(workspace: str | Path) -> pd.DataFrame:
    """The latest decision on each ring of the workspace: ring_id + DECISION_COLUMNS."""
    from graphring.jobs import case_statuses

    cases = case_statuses(Path(workspace))
    return pd.DataFrame(
        [
            {
                "ring_id": rid,
                "status": c.get("status", "open"),
                "note": c.get("note", ""),
                "decided_by": c.get("by", ""),
                "decided_at": c.get("at", ""),
                "decided_run": c.get("run_id", ""),
            }
            for rid, c in cases.items()
        ],
        columns=["ring_id", *DECISION_COLUMNS],
    )


def attach_decisions(rings: pd.DataFrame, made: pd.DataFrame) -> pd.DataFrame:
    """The rings table with each ring's latest decision (``open`` and blanks when none).

    >>> rings = pd.DataFrame({"ring_id": ["R-1", "R-2"]})
    >>> made = pd.DataFrame({"ring_id": ["R-2"], "status": ["dismissed"], "note": ["chain"],
    ...                      "decided_by": ["ana"], "decided_at": ["t"], "decided_run": ["r"]})
    >>> attach_decisions(rings, made)[["ring_id", "status", "note"]].values.tolist()
    [['R-1', 'open', ''], ['R-2', 'dismissed', 'chain']]
    """
    out = rings.drop(columns=[c for c in DECISION_COLUMNS if c in rings.columns])
    out = out.merge(made, on="ring_id", how="left")
    out["status"] = out["status"].fillna("open")
    for col in DECISION_COLUMNS[1:]:
        out[col] = out[col].fillna("").astype(str)
    return out


def packet_seal(run_dir: str | Path, ring_id: str) -> str | None:
    """The SHA-256 of a packet's SHA256SUMS (which lists every other file's hash): one value
    that shows later that nothing in the packet changed. None when there is no packet."""
    path = Path(run_dir) / "packets" / ring_id / "SHA256SUMS"
    if not path.is_file():
        return None
    return sha256_file(path)


def verify_packet(packet: str | Path) -> list[str]:
    """Files of a packet whose SHA-256 no longer matches its SHA256SUMS (empty: intact)."""
    packet = Path(packet)
    bad = []
    for line in (packet / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        path = packet / name
        if not path.is_file() or sha256_file(path) != digest:
            bad.append(name)
    return bad
