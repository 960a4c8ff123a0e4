"""Leiden with the constant Potts model (CPM): giant components cut into pieces, modularity
communities refined, loose groups cut again until small or dense enough.

CPM's resolution is in link-weight units: a community keeps together only while its links
weigh more than the resolution per pair of its shops, whatever the size of the graph (no
resolution limit).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from graphring.detect.louvain import igraph_seeded
from graphring.detect.partition import join_bridged, select_core

#: Rounds of :func:`tighten` (resolution doubled each round).
TIGHTEN_ROUNDS = 6


def leiden_cpm(n: int, edges: pd.DataFrame, resolution: float, seed: int) -> np.ndarray:
    """Community label per node of a graph of ``n`` nodes cut by igraph's Leiden with the
    constant Potts model: a community stays together while its links weigh more than
    ``resolution`` per pair of its nodes (no resolution limit: the same rings come out of a
    thousand shops or a million).

    >>> e = pd.DataFrame({"ia": [0, 0, 1, 3, 3, 4, 2], "ib": [1, 2, 2, 4, 5, 5, 3],
    ...                   "weight": [1.0, 1, 1, 1, 1, 1, 0.1]})
    >>> leiden_cpm(6, e, 0.5, seed=1).tolist()
    [0, 0, 0, 1, 1, 1]
    """
    with igraph_seeded(seed) as ig:
        g = ig.Graph(n=n, edges=edges[["ia", "ib"]].to_numpy())
        parts = g.community_leiden(
            objective_function="CPM",
            weights=edges["weight"].to_numpy(),
            resolution=resolution,
            n_iterations=-1,
        )
    return pd.factorize(np.asarray(parts.membership), sort=False)[0]


def loose_groups(
    edges: pd.DataFrame, labels: np.ndarray, *, max_shops: int, density_floor: float
) -> np.ndarray:
    """Per label: more than ``max_shops`` nodes and linked pairs under ``density_floor``."""
    k = int(labels.max()) + 1 if len(labels) else 0
    size = np.bincount(labels, minlength=k)
    la, lb = labels[edges["ia"].to_numpy()], labels[edges["ib"].to_numpy()]
    links = np.bincount(la[la == lb], minlength=k)
    pairs = size * (size - 1) / 2
    density = np.divide(links, pairs, out=np.ones(k), where=pairs > 0)
    return (size > max_shops) & (density < density_floor)


def tighten(
    edges: pd.DataFrame,
    labels: np.ndarray,
    *,
    resolution: float,
    seed: int,
    max_shops: int,
    density_floor: float,
) -> np.ndarray:
    """Cut again every group of more than ``max_shops`` nodes with fewer than
    ``density_floor`` of its pairs linked: CPM at twice the resolution each round, until
    every group is small or dense enough (a group still loose after
    :data:`TIGHTEN_ROUNDS` rounds is split into single nodes: it is no ring)."""
    for _ in range(TIGHTEN_ROUNDS):
        loose = loose_groups(edges, labels, max_shops=max_shops, density_floor=density_floor)
        if not loose.any():
            return labels
        resolution *= 2
        nodes = np.flatnonzero(loose[labels])
        inside = loose[labels[edges["ia"].to_numpy()]] & (
            labels[edges["ia"].to_numpy()] == labels[edges["ib"].to_numpy()]
        )
        sub = edges.loc[inside]
        local = pd.DataFrame(
            {
                "ia": np.searchsorted(nodes, sub["ia"].to_numpy()),
                "ib": np.searchsorted(nodes, sub["ib"].to_numpy()),
                "weight": sub["weight"].to_numpy(),
            }
        )
        # the loose groups are cut together (they share no edge): one compiled call
        new = leiden_cpm(len(nodes), local, resolution, seed)
        labels = labels.copy()
        labels[nodes] = int(labels.max()) + 1 + new
    loose = loose_groups(edges, labels, max_shops=max_shops, density_floor=density_floor)
    if loose.any():
        labels = labels.copy()
        stray = np.flatnonzero(loose[labels])
        labels[stray] = int(labels.max()) + 1 + np.arange(len(stray))
    return labels


def refine(
    n: int, edges: pd.DataFrame, labels: np.ndarray, *, resolution: float, seed: int
) -> np.ndarray:
    """Each modularity community cut again by CPM (``resolution``) on its own links:
    a dense block hanging on a ring by a path of weak ties (a co-working space's shops
    tied to a ring through one relative's phone and account) is a community of its own,
    however modularity grouped it. Cells of one ring are joined again afterwards
    (:func:`graphring.detect.partition.join_bridged`)."""
    inside = labels[edges["ia"].to_numpy()] == labels[edges["ib"].to_numpy()]
    return leiden_cpm(n, edges.loc[inside], resolution, seed)


def giant_pieces(
    ia: np.ndarray,
    ib: np.ndarray,
    w: np.ndarray,
    strong: np.ndarray,
    *,
    resolution: float,
    seed: int,
    bridges: int,
    min_ring_size: int,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """A giant component cut by Leiden (CPM) here, communities joined where ``bridges`` or
    more shops bridge them: the edges inside each piece of ``min_ring_size`` shops or more,
    in piece order."""
    nodes = np.unique(np.concatenate([ia, ib]))
    local = pd.DataFrame(
        {"ia": np.searchsorted(nodes, ia), "ib": np.searchsorted(nodes, ib), "weight": w}
    )
    labels = leiden_cpm(len(nodes), local, resolution, seed)
    # cells of one ring bridged by shops are joined, but only through shops at the core of
    # a piece: honest trees hanging off everything would join every piece to its neighbours
    core = select_core(len(nodes), local, labels)
    both = core[local["ia"].to_numpy()] & core[local["ib"].to_numpy()]
    if both.any():
        labels = join_bridged(labels, local.loc[both], bridges)
    labels = pd.factorize(labels, sort=True)[0]
    # pieces with too few core shops for a ring (strong ties count: chains) are not worth a
    # worker's time
    size = np.bincount(
        labels[select_core(len(nodes), local, labels, strong)], minlength=int(labels.max()) + 1
    )
    la = labels[local["ia"].to_numpy()]
    keep = (la == labels[local["ib"].to_numpy()]) & (size[la] >= min_ring_size)
    order = np.argsort(la[keep], kind="stable")
    pa, pb, pw, pl = (x[keep][order] for x in (ia, ib, w, la))
    bounds = np.flatnonzero(np.r_[True, pl[1:] != pl[:-1], True]) if len(pl) else np.array([0])
    return [(pa[s:t], pb[s:t], pw[s:t]) for s, t in itertools.pairwise(bounds.tolist())]
