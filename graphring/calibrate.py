"""Identifier kind weights calibrated from the data: kinds shared by chance weigh less.

A kind's configured weight (``Settings.kind_weights``; a kind nobody configured starts
weak) says how much one shared value of it tells about common control. How often the kind
is shared in *this* marketplace says how much of that sharing is chance: birth dates and
household IPs are shared by many unrelated holders, bank accounts and ID numbers by few.
The share of a kind's holders whose value someone else holds too is shrunk toward a prior
(small datasets keep their configured weights) and, above :data:`CHANCE_SHARE`, scales the
weight down. Verdicts on past rings (graphring/feedback.py) multiply in last. Every weight,
with what made it, goes to run.json.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from graphring.config import Settings

#: Share of a kind's holders sharing their value with someone that sharing in a marketplace
#: can reach without chance: at or below it a kind keeps its configured weight.
CHANCE_SHARE = 0.05
#: The shrinkage prior: a kind with few holders is read as shared by this share ...
PRIOR_SHARE = 0.02
#: ... with the weight of this many holders.
PRIOR_HOLDERS = 500
#: A weight is never scaled below this fraction of its configured value by chance sharing.
MIN_FACTOR = 0.1


def calibrate_weights(
    label: np.ndarray,
    node: np.ndarray,
    merchant: np.ndarray,
    settings: Settings,
    feedback: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One row per weight label (``phone``, ``address:warehouse``...): how it was weighed.

    ``label`` (the weight label), ``node`` (identifier code) and ``merchant`` (shop code)
    have one entry per holding. Returns
    columns label, configured, holders, shared_share, chance_factor, feedback, weight.
    Supernode identifiers (more holders than ``supernode_max_merchants``) are services, not
    chance: they are left out of the share.

    >>> import numpy as np
    >>> t = calibrate_weights(
    ...     np.array(["ip"] * 4 + ["account"] * 2, dtype=object),
    ...     np.array([0, 0, 1, 1, 2, 3]), np.array([0, 1, 2, 3, 0, 1]), Settings())
    >>> t[["label", "holders", "weight"]].to_dict("records")[0]
    {'label': 'account', 'holders': 2, 'weight': 1.0}
    """
    t = pd.DataFrame({"label": label, "node": node, "m": merchant}).drop_duplicates()
    per_node = t.groupby("node")["m"].transform("size").to_numpy()
    usable = per_node <= settings.supernode_max_merchants
    t = t.assign(shared=(per_node >= 2) & usable)
    t = t.loc[usable]
    g = t.groupby("label", sort=True).agg(holders=("m", "nunique"))
    sharing = t.loc[t["shared"]].groupby("label")["m"].nunique()
    g["sharing"] = sharing.reindex(g.index).fillna(0).astype(np.int64)
    labels = sorted(set(pd.unique(label)))
    g = g.reindex(labels).fillna(0)
    share = (g["sharing"] + PRIOR_SHARE * PRIOR_HOLDERS) / (g["holders"] + PRIOR_HOLDERS)
    factor = np.clip((CHANCE_SHARE / share) ** 0.75, MIN_FACTOR, 1.0)
    configured = pd.Series({lab: settings.kind_weight(lab) for lab in labels}, dtype="float64")
    fb = pd.Series({lab: (feedback or {}).get(lab, 1.0) for lab in labels}, dtype="float64")
    if not settings.calibrate_weights:
        factor = factor * 0 + 1.0
    weight = (configured * factor * fb).clip(upper=1.0)
    return pd.DataFrame(
        {
            "label": labels,
            "configured": configured.round(3).to_numpy(),
            "holders": g["holders"].astype(np.int64).to_numpy(),
            "shared_share": (g["sharing"] / g["holders"].clip(lower=1)).round(4).to_numpy(),
            "chance_factor": np.round(factor.to_numpy(), 3),
            "feedback": fb.round(3).to_numpy(),
            "weight": weight.round(3).to_numpy(),
        }
    )
