"""Verdicts re-weigh identifier kinds: what keeps tying dismissed rings counts for less.

Investigators confirm or dismiss rings in a workspace (``graphring ring status``; the
decisions live in ``WS/cases.jsonl``). Each decided ring was tied by some kinds of
identifiers (``phone``, ``address:registered``...), listed in the rings.json of the run it
was decided on. A kind's multiplier is ``((1 + confirmed) / (1 + dismissed)) ** 0.5``,
counting the rings each kind tied, kept within :data:`LOWEST`-:data:`HIGHEST`: a kind
that ties ring after dismissed ring (a co-working IP, a mall's registered address) fades;
one that ties confirmed rings gains. The multipliers go into the link weights (see
graphring/calibrate.py), are listed in run.json (``kind_weights``, column ``feedback``, and
``feedback``), and are switched off with ``--no-feedback`` (setting ``feedback``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from graphring.linking import link_weight_label

LOWEST = 0.5
HIGHEST = 1.5


def ring_kinds(run_folder: Path) -> dict[str, set[str]]:
    """ring_id -> the weight labels of the identifiers its members share (rings.json)."""
    path = run_folder / "rings.json"
    if not path.exists():
        return {}
    out: dict[str, set[str]] = {}
    for ring in json.loads(path.read_text(encoding="utf-8")):
        shared = ring.get("shared_identifiers", [])
        kinds = pd.Series([s["kind"] for s in shared], dtype=object)
        roles = pd.Series([(s.get("roles") or ["other"])[0] for s in shared], dtype=object)
        out[ring["ring_id"]] = set(link_weight_label(kinds, roles))
    return out


def verdict_weights(
    workspace: str | Path, cases: dict[str, dict[str, Any]]
) -> tuple[dict[str, float], dict[str, Any]]:
    """Kind multipliers from the latest decision on each ring (``cases``, as
    :func:`graphring.jobs.case_statuses` reads them), and what they came from."""
    runs = Path(workspace) / "runs"
    tally: dict[str, dict[str, int]] = {}
    counted = {"confirmed": 0, "dismissed": 0}
    kinds_of: dict[str, dict[str, set[str]]] = {}
    for ring_id, case in sorted(cases.items()):
        status = case.get("status")
        if status not in counted:
            continue
        run_id = str(case.get("run_id", ""))
        if run_id not in kinds_of:
            kinds_of[run_id] = ring_kinds(runs / run_id)
        labels = kinds_of[run_id].get(ring_id)
        if labels is None:
            continue
        counted[status] += 1
        for label in labels:
            tally.setdefault(label, {"confirmed": 0, "dismissed": 0})[status] += 1
    weights = {
        label: round(
            min(HIGHEST, max(LOWEST, ((1 + t["confirmed"]) / (1 + t["dismissed"])) ** 0.5)), 3
        )
        for label, t in sorted(tally.items())
    }
    detail = {
        "rings": counted,
        "kinds": {k: {**tally[k], "multiplier": weights[k]} for k in weights},
    }
    return weights, detail
