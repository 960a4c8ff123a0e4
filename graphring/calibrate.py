"""Identifier kind weights calibrated from the data: kinds shared by chance weigh less.

A kind's configured weight (``Settings.kind_weights``; a kind nobody configured starts
weak) says how much one shared value of it tells about common control. How often the kind
is shared in *this* marketplace says how much of that sharing is chance: birth dates and
household IPs are shared by many unrelated holders, bank accounts and ID numbers by few.
The share of a kind's holders who share a value of it with a shop they share nothing else
with is shrunk toward a prior (small datasets keep their configured weights) and, above
:data:`CHANCE_SHARE`, scales the weight down. Verdicts on past rings
(graphring/feedback.py) multiply in last. Every weight, with what made it, goes to run.json.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from graphring.config import Settings

#: Share of a kind's holders sharing only it with someone that a marketplace reaches without
#: chance (families, rings handing things on): at or below it a kind keeps its weight.
CHANCE_SHARE = 0.05
#: The shrinkage prior: a kind with few holders is read as shared by this share ...
PRIOR_SHARE = 0.02
#: ... with the weight of this many holders.
PRIOR_HOLDERS = 500
#: A weight is never scaled below this fraction of its configured value by chance sharing.
MIN_FACTOR = 0.1


def calibrate_weights(
    labels: Sequence[str],
    holders: np.ndarray,
    chance: np.ndarray,
    settings: Settings,
    feedback: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One row per weight label (``phone``, ``address:warehouse``...): how it was weighed.

    ``holders[i]``: holdings of an identifier of ``labels[i]`` (one per identifier and shop;
    supernodes left out: they are services, not chance); ``chance[i]``: shops that share
    one with another shop and nothing else -- the sharing chance makes (a birth date, a
    household IP), as opposed to a ring's, which comes with accounts, phones and devices
    together. Returns
    columns label, configured, holders, chance_share, chance_factor, feedback, weight.

    >>> t = calibrate_weights(["birth_date", "id_document"], np.array([3000, 3000]),
    ...                       np.array([900, 30]), Settings())
    >>> t[["label", "chance_factor", "weight"]].values.tolist()
    [['birth_date', 0.29, 0.087], ['id_document', 1.0, 1.0]]
    """
    labels = list(labels)
    holders = np.asarray(holders, dtype="float64")
    chance = np.asarray(chance, dtype="float64")
    share = (chance + PRIOR_SHARE * PRIOR_HOLDERS) / (holders + PRIOR_HOLDERS)
    factor = np.clip((CHANCE_SHARE / share) ** 0.75, MIN_FACTOR, 1.0)
    if not settings.calibrate_weights:
        factor = np.ones(len(labels))
    configured = np.array([settings.kind_weight(lab) for lab in labels], dtype="float64")
    fb = np.array([(feedback or {}).get(lab, 1.0) for lab in labels], dtype="float64")
    weight = np.minimum(configured * factor * fb, 1.0)
    return pd.DataFrame(
        {
            "label": labels,
            "configured": configured.round(3),
            "holders": holders.astype(np.int64),
            "chance_share": (chance / np.maximum(holders, 1)).round(4),
            "chance_factor": factor.round(3),
            "feedback": fb.round(3),
            "weight": weight.round(3),
        }
    )
