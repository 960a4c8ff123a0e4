"""Services: identifiers many shops share because they serve them, not because one hand
runs them (a third-party logistics warehouse, a payment agent's account, a co-working
space's registration).

An identifier held by ``service_min_holders`` shops or more is a service when few pairs of
its holders share anything else (its *cohesion*: the share of holder pairs tied by another
identifier too is below ``service_max_cohesion``). Its links are down-weighted by how
little its holders otherwise share: the weight factor is cohesion / service_max_cohesion,
so a warehouse whose shops share nothing else links nobody, and a warehouse whose shops
also share accounts and phones (a ring's) keeps its full weight.

>>> import numpy as np
>>> # identifier 0: a warehouse of four shops who share nothing else; identifier 1: a
>>> # phone two of them share; settings: services from 4 holders, cohesion below 0.5
>>> node = np.array([0, 0, 0, 0, 0, 0, 1])
>>> # the pairs each ties: (0, 1) (0, 2) (0, 3) (1, 2) (1, 3) (2, 3), then (0, 1) again
>>> again = np.array([True, False, False, False, False, False, True])
>>> s = find_services(node, again, np.array([4, 2]), min_holders=4, max_cohesion=0.5)
>>> s.service.tolist(), s.cohesion.round(3).tolist(), s.factor.round(3).tolist()
([True, False], [0.167, 1.0], [0.333, 1.0])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Services:
    """Per identifier (positions as in the holders array): is it a service, and how much
    its links keep."""

    service: np.ndarray
    #: share of holder pairs tied by another identifier too (1.0 where not measured)
    cohesion: np.ndarray
    #: multiplier on the identifier's link contributions (1.0 for non-services)
    factor: np.ndarray


def find_services(
    node: np.ndarray,
    again: np.ndarray,
    holders: np.ndarray,
    min_holders: int,
    max_cohesion: float,
) -> Services:
    """Services among identifiers, from the holder pairs each one ties.

    ``node``: one row per (identifier, pair of its holders), each pair once per identifier
    (supernodes already left out); ``again``: that row's pair is tied by another identifier
    too. ``holders``: shops per identifier.
    """
    k = len(holders)
    candidate = holders >= min_holders
    cohesion = np.ones(k)
    if candidate.any() and len(node):
        rows = candidate[node]
        tied = np.bincount(node[rows], weights=again[rows].astype(float), minlength=k)
        pairs = np.bincount(node[rows], minlength=k)
        measured = candidate & (pairs > 0)
        cohesion[measured] = tied[measured] / pairs[measured]
    service = candidate & (cohesion < max_cohesion)
    factor = np.where(service, cohesion / max_cohesion, 1.0)
    return Services(service=service, cohesion=cohesion, factor=factor)


def service_rule(min_holders: int, max_cohesion: float) -> str:
    """The rule that makes an identifier a service, as run.json and the overview say it."""
    return (
        f"held by {min_holders}+ shops of which fewer than {max_cohesion:.0%} of pairs share "
        f"anything else; links down-weighted by cohesion / {max_cohesion:g}"
    )
