"""Modularity communities of one component: python-louvain, or igraph's multilevel (C
Louvain) when installed, each seeded on its own (the global ``random`` left alone)."""

from __future__ import annotations

import contextlib
import importlib.util
import random
from collections.abc import Iterator
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd


def choose_engine(requested: str) -> str:
    """``auto`` -> ``igraph`` when installed, else ``louvain`` (python-louvain)."""
    if requested == "auto":
        return "igraph" if has_igraph() else "louvain"
    if requested == "igraph" and not has_igraph():
        from graphring.errors import ConfigError

        raise ConfigError("engine 'igraph' needs the fast extra: pip install 'graphring[fast]'")
    return requested


def has_igraph() -> bool:
    """Leiden (CPM) for giant components and loose groups needs igraph (the fast extra);
    without it every component is cut by python-louvain."""
    return importlib.util.find_spec("igraph") is not None


@contextlib.contextmanager
def igraph_seeded(seed: int) -> Iterator[Any]:
    """igraph with its own random generator seeded (the global ``random`` left alone: igraph
    draws from the ``random.Random(seed)`` handed to it, and gets the module back after)."""
    import igraph as ig

    ig.set_random_number_generator(random.Random(seed))
    try:
        yield ig
    finally:
        ig.set_random_number_generator(random)


def louvain(
    n: int, edges: pd.DataFrame, *, resolution: float, seed: int, engine: str
) -> np.ndarray:
    """Community label per node (0..n-1) of one component: edges ``ia``, ``ib``, ``weight``.

    >>> e = pd.DataFrame({"ia": [0, 0, 1, 3, 3, 4, 2], "ib": [1, 2, 2, 4, 5, 5, 3],
    ...                   "weight": [1.0, 1, 1, 1, 1, 1, 0.1]})
    >>> louvain(6, e, resolution=1.0, seed=1, engine="louvain").tolist()
    [0, 0, 0, 1, 1, 1]
    """
    if engine == "igraph":
        with igraph_seeded(seed) as ig:
            g = ig.Graph(n=n, edges=edges[["ia", "ib"]].to_numpy())
            parts = g.community_multilevel(
                weights=edges["weight"].to_numpy(), resolution=resolution
            )
        return np.asarray(parts.membership)
    import community as community_louvain

    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(edges[["ia", "ib", "weight"]].itertuples(index=False, name=None))
    part = community_louvain.best_partition(
        g, weight="weight", resolution=resolution, random_state=seed
    )
    return np.array([part[i] for i in range(n)])
