"""Partitions and the steps that turn communities into rings, shared by every detection
path (local, GDS): join communities bridged by shops, join loose pieces of one chain, keep
the core that strong ties hold together."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

#: See :func:`join_bridged`.
BRIDGE_SHARE = 0.2

#: A link whose strongest shared identifier weighs this much (kind weight x rarity, see
#: graphring/linking.py) is a strong tie: an account, ID document, device, warehouse, phone
#: or return address held by few shops. IPs, registered addresses and kinds the data shares
#: by chance stay below it, unless several kinds together reach it (the same name at the
#: same address).
STRONG_TIE = 0.6


@dataclass
class Partition:
    """Shops grouped into candidate rings."""

    #: merchant_id, group (int), core (bool: False = associate peeled off the ring)
    members: pd.DataFrame
    #: which engine cut the communities
    engine: str
    components: int


def join_bridged(labels: np.ndarray, edges: pd.DataFrame, bridges: int) -> np.ndarray:
    """Union communities joined by ``bridges`` or more bridging shops.

    A shop bridges into another community when its ties there weigh at least
    :data:`BRIDGE_SHARE` of its ties at home: a shop of one ring cell that also ships from
    the next cell's warehouse has its warehouse tie there but its accounts, phones and
    devices at home (about a quarter on the sample marketplace; background shops none).

    Two triangles tied by one link, 2-3: shops 2 and 3 each bridge (half their weight at
    home), two bridging shops in all.

    >>> e = pd.DataFrame({"ia": [0, 0, 1, 3, 3, 4, 2], "ib": [1, 2, 2, 4, 5, 5, 3],
    ...                   "weight": [1.0] * 7})
    >>> join_bridged(np.array([0, 0, 0, 1, 1, 1]), e, bridges=2).tolist()
    [0, 0, 0, 0, 0, 0]
    >>> join_bridged(np.array([0, 0, 0, 1, 1, 1]), e, bridges=3).tolist()
    [0, 0, 0, 1, 1, 1]
    """
    ia, ib = edges["ia"].to_numpy(), edges["ib"].to_numpy()
    w = edges["weight"].to_numpy(dtype=np.float64)
    k = int(labels.max()) + 1
    # each edge seen from both ends: (shop, the other end's community) as one integer,
    # its weight summed per shop and community
    node = np.concatenate([ia, ib]).astype(np.int64)
    other = np.concatenate([labels[ib], labels[ia]]).astype(np.int64)
    # summed by pandas (compensated, in row order): a plain running sum can differ in the
    # last bit and flip the share test below
    summed = pd.Series(np.concatenate([w, w])).groupby(node * k + other, sort=True).sum()
    seen, weight = summed.index.to_numpy(), summed.to_numpy()
    shop, there = seen // k, seen % k
    home = labels[shop].astype(np.int64)
    home_w = np.zeros(len(labels), dtype=np.float64)
    inside = home == there
    home_w[shop[inside]] = weight[inside]
    bridging = ~inside & (weight >= BRIDGE_SHARE * home_w[shop])
    lo = np.minimum(home, there)[bridging]
    hi = np.maximum(home, there)[bridging]
    # communities joined by ``bridges`` or more bridging shops
    joined, count = np.unique(lo * k + hi, return_counts=True)
    strong = joined[count >= bridges]
    if not len(strong):
        return labels
    adj = coo_matrix((np.ones(len(strong)), (strong // k, strong % k)), shape=(k, k))
    _, root = connected_components(adj, directed=False)
    return root[labels]


def select_core(
    n: int, edges: pd.DataFrame, labels: np.ndarray, strong: np.ndarray | None = None
) -> np.ndarray:
    """True for nodes with 2+ neighbours inside their community, after repeated peeling.

    With ``strong`` (a flag per edge: a strong, rare tie), a node with one strong tie to a
    surviving node of its community survives too: a chain of shops handing on devices,
    accounts and warehouses is a ring, while a shop hanging on by one weak tie (a
    registered address, an IP) is peeled off as an associate. Nodes labelled -1 belong to
    no community.

    >>> e = pd.DataFrame({"ia": [0, 0, 1, 2], "ib": [1, 2, 2, 3]})
    >>> select_core(4, e, np.zeros(4, dtype=int)).tolist()
    [True, True, True, False]
    >>> select_core(4, e, np.zeros(4, dtype=int), np.array([0, 0, 0, 1], bool)).tolist()
    [True, True, True, True]
    """
    a_all, b_all = edges["ia"].to_numpy(), edges["ib"].to_numpy()
    inside = (labels[a_all] == labels[b_all]) & (labels[a_all] >= 0)
    a, b = a_all[inside], b_all[inside]
    s = strong[inside] if strong is not None else np.zeros(len(a), dtype=bool)
    alive = labels >= 0
    while True:
        keep = alive[a] & alive[b]
        deg = np.bincount(a[keep], minlength=n) + np.bincount(b[keep], minlength=n)
        ks = keep & s
        tied = (np.bincount(a[ks], minlength=n) + np.bincount(b[ks], minlength=n)) > 0
        drop = alive & (deg < 2) & ~tied
        if not drop.any():
            return alive
        alive &= ~drop


def strong_ties(edges: pd.DataFrame) -> np.ndarray:
    """Which links are strong ties (:data:`STRONG_TIE`): by ``tie`` (the strongest single
    identifier) or, for pairs sharing two or more kinds, by the link's weight. Without a
    ``tie`` column (links made elsewhere), by weight alone."""
    weight = edges["weight"].to_numpy(dtype="float64")
    if "tie" not in edges:
        return weight >= STRONG_TIE
    strong = edges["tie"].to_numpy(dtype="float64") >= STRONG_TIE
    if "n_kinds" in edges:  # from the database (graphring/detect/gds.py)
        several = edges["n_kinds"].to_numpy() >= 2
    elif "kinds" in edges:
        several = edges["kinds"].astype(str).str.contains(",", regex=False).to_numpy()
    else:
        several = np.zeros(len(edges), dtype=bool)
    strong |= several & (weight >= STRONG_TIE)
    return strong


def join_chains(
    labels: np.ndarray, edges: pd.DataFrame, strong: np.ndarray, max_shops: int
) -> np.ndarray:
    """Union loose communities (no more links inside than a tree has) tied by a strong link,
    as long as the chain so made has at most ``max_shops`` shops (a longer one is a tree of
    everyday sharing through a giant component, not a ring: its pieces stay apart).

    Modularity cuts a long chain of shops into short pieces; each piece is a tree, and the
    strong links between pieces say they are one chain. Dense communities are never joined
    this way (two rings sharing one account stay two rings).
    """
    a, b = edges["ia"].to_numpy(), edges["ib"].to_numpy()
    la, lb = labels[a], labels[b]
    k = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0
    if k < 2:
        return labels
    size = np.bincount(labels[labels >= 0], minlength=k)
    inside = (la == lb) & (la >= 0)
    n_in = np.bincount(la[inside], minlength=k)
    loose = n_in <= size - 1
    cross = strong & (la >= 0) & (lb >= 0) & (la != lb)
    cross &= loose[np.maximum(la, 0)] & loose[np.maximum(lb, 0)]
    if not cross.any():
        return labels
    adj = coo_matrix((np.ones(int(cross.sum())), (la[cross], lb[cross])), shape=(k, k))
    _, root = connected_components(adj, directed=False)
    joined = np.bincount(root, weights=size, minlength=k)
    # too long to be a chain of shops: every piece keeps its own label
    root = np.where(joined[root] > max_shops, np.arange(k), k + root)
    return np.where(labels >= 0, root[np.maximum(labels, 0)], -1)
