"""Community detection: which linked shops form a ring.

Rings live inside connected components of the (supernode-pruned) merchant graph, so
detection runs per component: this keeps the modularity resolution limit from merging
small rings into big background communities, and lets small components skip Louvain.
Inside a component python-louvain (or igraph, when installed) cuts communities; two
communities tied across the cut by several bridging shops (cells of one ring bridged by
shops that use two warehouses) are joined again; shops hanging on a ring by a single tie
are peeled off as associates. Nodes and edges are fed in sorted order, so the same input
and seed give the same rings whatever PYTHONHASHSEED is (python-louvain varies with node
order otherwise).

A giant component (everyday honest sharing knits a real marketplace into one: more than
``leiden_min_shops`` shops) still has the resolution limit inside it, so it is cut with
igraph's Leiden and the constant Potts model (CPM, ``cpm_resolution`` in link-weight
units: a community keeps together only while its links weigh more than the resolution per
pair of its shops), in this process; its pieces are then spread over the workers like
components. No group of more than ``loose_ring_shops`` shops with fewer than
``ring_density_floor`` of its pairs linked is a ring: it is cut again with CPM at twice the
resolution until its pieces are small or dense enough.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from graphring.config import Settings
from graphring.parallel import fork_map

#: See :func:`_join_bridged`.
BRIDGE_SHARE = 0.2


@dataclass
class Partition:
    """Shops grouped into candidate rings."""

    #: merchant_id, group (int), core (bool: False = associate peeled off the ring)
    members: pd.DataFrame
    #: which engine cut the communities
    engine: str
    components: int


def choose_engine(requested: str) -> str:
    """``auto`` -> ``igraph`` when installed, else ``louvain`` (python-louvain)."""
    if requested == "auto":
        return "igraph" if importlib.util.find_spec("igraph") else "louvain"
    if requested == "igraph" and not importlib.util.find_spec("igraph"):
        from graphring.errors import ConfigError

        raise ConfigError("engine 'igraph' needs the fast extra: pip install 'graphring[fast]'")
    return requested


@contextlib.contextmanager
def _igraph_seeded(seed: int) -> Iterator[Any]:
    """igraph with its own random generator seeded (the global ``random`` left alone)."""
    import igraph as ig

    ig.set_random_number_generator(random.Random(seed))
    try:
        yield ig
    finally:
        ig.set_random_number_generator(random)


def has_igraph() -> bool:
    """Leiden (CPM) for giant components and loose groups needs igraph (the fast extra);
    without it every component is cut by python-louvain."""
    return importlib.util.find_spec("igraph") is not None


def _louvain(nodes: np.ndarray, edges: pd.DataFrame, settings: Settings, engine: str) -> np.ndarray:
    """Community label per node (positions into ``nodes``) of one component."""
    if engine == "igraph":
        with _igraph_seeded(settings.seed) as ig:
            g = ig.Graph(n=len(nodes), edges=edges[["ia", "ib"]].to_numpy())
            parts = g.community_multilevel(
                weights=edges["weight"].to_numpy(), resolution=settings.resolution
            )
        return np.asarray(parts.membership)
    import community as community_louvain

    g = nx.Graph()
    g.add_nodes_from(range(len(nodes)))
    g.add_weighted_edges_from(edges[["ia", "ib", "weight"]].itertuples(index=False, name=None))
    part = community_louvain.best_partition(
        g, weight="weight", resolution=settings.resolution, random_state=settings.seed
    )
    return np.array([part[i] for i in range(len(nodes))])


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
    with _igraph_seeded(seed) as ig:
        g = ig.Graph(n=n, edges=edges[["ia", "ib"]].to_numpy())
        parts = g.community_leiden(
            objective_function="CPM",
            weights=edges["weight"].to_numpy(),
            resolution=resolution,
            n_iterations=-1,
        )
    return pd.factorize(np.asarray(parts.membership), sort=False)[0]


def _tighten(n: int, edges: pd.DataFrame, labels: np.ndarray, settings: Settings) -> np.ndarray:
    """Cut again every group of more than ``loose_ring_shops`` nodes with fewer than
    ``ring_density_floor`` of its pairs linked: CPM at twice the resolution each round, until
    every group is small or dense enough (a group still loose after
    :data:`TIGHTEN_ROUNDS` rounds is split into single nodes: it is no ring)."""
    resolution = settings.cpm_resolution
    for _ in range(TIGHTEN_ROUNDS):
        loose = _loose_groups(edges, labels, settings)
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
        new = leiden_cpm(len(nodes), local, resolution, settings.seed)
        labels = labels.copy()
        labels[nodes] = int(labels.max()) + 1 + new
    loose = _loose_groups(edges, labels, settings)
    if loose.any():
        labels = labels.copy()
        stray = np.flatnonzero(loose[labels])
        labels[stray] = int(labels.max()) + 1 + np.arange(len(stray))
    return labels


#: Rounds of :func:`_tighten` (resolution doubled each round).
TIGHTEN_ROUNDS = 6


def _loose_groups(edges: pd.DataFrame, labels: np.ndarray, settings: Settings) -> np.ndarray:
    """Per label: more than ``loose_ring_shops`` nodes and linked pairs under the floor."""
    k = int(labels.max()) + 1 if len(labels) else 0
    size = np.bincount(labels, minlength=k)
    la, lb = labels[edges["ia"].to_numpy()], labels[edges["ib"].to_numpy()]
    links = np.bincount(la[la == lb], minlength=k)
    pairs = size * (size - 1) / 2
    density = np.divide(links, pairs, out=np.ones(k), where=pairs > 0)
    return (size > settings.loose_ring_shops) & (density < settings.ring_density_floor)


def _join_bridged(labels: np.ndarray, edges: pd.DataFrame, bridges: int) -> np.ndarray:
    """Union communities joined by ``bridges`` or more bridging shops.

    A shop bridges into another community when its ties there weigh at least
    :data:`BRIDGE_SHARE` of its ties at home: a shop of one ring cell that also ships from
    the next cell's warehouse has its warehouse tie there but its accounts, phones and
    devices at home (about a quarter on the sample marketplace; background shops none).
    """
    ia, ib = edges["ia"].to_numpy(), edges["ib"].to_numpy()
    w = edges["weight"].to_numpy()
    # each edge seen from both ends: (shop, the other end's community, weight)
    t = pd.DataFrame(
        {
            "node": np.concatenate([ia, ib]),
            "other": np.concatenate([labels[ib], labels[ia]]),
            "w": np.concatenate([w, w]),
        }
    )
    t["home"] = labels[t["node"].to_numpy()]
    per = t.groupby(["node", "home", "other"], sort=True)["w"].sum().reset_index()
    at_home = per.loc[per["home"] == per["other"]].set_index("node")["w"]
    away = per.loc[per["home"] != per["other"]]
    home_w = at_home.reindex(away["node"]).fillna(0.0).to_numpy()
    bridging = away.loc[away["w"].to_numpy() >= BRIDGE_SHARE * home_w]
    pair = pd.DataFrame(
        {
            "x": np.minimum(bridging["home"], bridging["other"]),
            "y": np.maximum(bridging["home"], bridging["other"]),
        }
    )
    counts = pair.value_counts().reset_index()
    strong = counts.loc[counts["count"] >= bridges]
    if strong.empty:
        return labels
    k = int(labels.max()) + 1
    adj = coo_matrix((np.ones(len(strong)), (strong["x"], strong["y"])), shape=(k, k))
    _, root = connected_components(adj, directed=False)
    return root[labels]


def _core(
    n: int, edges: pd.DataFrame, labels: np.ndarray, strong: np.ndarray | None = None
) -> np.ndarray:
    """True for nodes with 2+ neighbours inside their community, after repeated peeling.

    With ``strong`` (a flag per edge: a strong, rare tie), a node with one strong tie to a
    surviving node of its community survives too: a chain of shops handing on devices,
    accounts and warehouses is a ring, while a shop hanging on by one weak tie (a
    registered address, an IP) is peeled off as an associate. Nodes labelled -1 belong to
    no community.
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


#: A link whose strongest shared identifier weighs this much (kind weight x rarity, see
#: graphring/linking.py) is a strong tie: an account, ID document, device, warehouse, phone
#: or return address held by few shops. IPs, registered addresses and kinds the data shares
#: by chance stay below it, unless several kinds together reach it (the same name at the
#: same address).
STRONG_TIE = 0.6


def strong_ties(edges: pd.DataFrame) -> np.ndarray:
    """Which links are strong ties (:data:`STRONG_TIE`): by ``tie`` (the strongest single
    identifier) or, for pairs sharing two or more kinds, by the link's weight. Without a
    ``tie`` column (links made elsewhere), by weight alone."""
    weight = edges["weight"].to_numpy(dtype="float64")
    if "tie" not in edges:
        return weight >= STRONG_TIE
    strong = edges["tie"].to_numpy(dtype="float64") >= STRONG_TIE
    if "n_kinds" in edges:  # from the database (graphring/gds.py)
        several = edges["n_kinds"].to_numpy() >= 2
    elif "kinds" in edges:
        several = edges["kinds"].astype(str).str.contains(",", regex=False).to_numpy()
    else:
        several = np.zeros(len(edges), dtype=bool)
    strong |= several & (weight >= STRONG_TIE)
    return strong


def _join_chains(
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


#: One unit of cutting: global node ids of its edges' ends, weights, settings, engine, and
#: whether it is a piece of a giant component already cut (then only tightened and peeled).
Task = tuple[np.ndarray, np.ndarray, np.ndarray, Settings, str, bool]


def _cut(task: Task) -> tuple[np.ndarray, np.ndarray]:
    """Communities and core flags of one component or piece (global node ids in, local
    labels out)."""
    ia_g, ib_g, weight, settings, engine, piece = task
    local_nodes = np.unique(np.concatenate([ia_g, ib_g]))
    local = pd.DataFrame(
        {
            "ia": np.searchsorted(local_nodes, ia_g),
            "ib": np.searchsorted(local_nodes, ib_g),
            "weight": weight,
        }
    )
    if piece:
        labels = np.zeros(len(local_nodes), dtype=np.int64)
    else:
        labels = _louvain(local_nodes, local, settings, engine)
        if has_igraph() and labels.max() > 0:
            labels = _refine(len(local_nodes), local, labels, settings)
        if labels.max() > 0:
            labels = _join_bridged(labels, local, settings.merge_bridges)
    if has_igraph() and len(local_nodes) > settings.loose_ring_shops:
        labels = _tighten(len(local_nodes), local, pd.factorize(labels)[0], settings)
    labels = pd.factorize(labels, sort=True)[0]
    return local_nodes, np.stack([labels, _core(len(local_nodes), local, labels)])


def _refine(n: int, edges: pd.DataFrame, labels: np.ndarray, settings: Settings) -> np.ndarray:
    """Each modularity community cut again by CPM (``cpm_resolution``) on its own links:
    a dense block hanging on a ring by a path of weak ties (a co-working space's shops
    tied to a ring through one relative's phone and account) is a community of its own,
    however modularity grouped it. Cells of one ring are joined again afterwards
    (:func:`_join_bridged`)."""
    inside = labels[edges["ia"].to_numpy()] == labels[edges["ib"].to_numpy()]
    return leiden_cpm(n, edges.loc[inside], settings.cpm_resolution, settings.seed)


def _giant_pieces(
    ia: np.ndarray, ib: np.ndarray, w: np.ndarray, strong: np.ndarray, settings: Settings
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """A giant component cut by Leiden (CPM) here, communities joined where shops bridge
    them: the edges inside each piece of ``min_ring_size`` shops or more, in piece order."""
    nodes = np.unique(np.concatenate([ia, ib]))
    local = pd.DataFrame(
        {"ia": np.searchsorted(nodes, ia), "ib": np.searchsorted(nodes, ib), "weight": w}
    )
    labels = leiden_cpm(len(nodes), local, settings.cpm_resolution, settings.seed)
    # cells of one ring bridged by shops are joined, but only through shops at the core of
    # a piece: honest trees hanging off everything would join every piece to its neighbours
    core = _core(len(nodes), local, labels)
    both = core[local["ia"].to_numpy()] & core[local["ib"].to_numpy()]
    if both.any():
        labels = _join_bridged(labels, local.loc[both], settings.merge_bridges)
    labels = pd.factorize(labels, sort=True)[0]
    # pieces with too few core shops for a ring (strong ties count: chains) are not worth a
    # worker's time
    size = np.bincount(
        labels[_core(len(nodes), local, labels, strong)], minlength=int(labels.max()) + 1
    )
    la = labels[local["ia"].to_numpy()]
    keep = (la == labels[local["ib"].to_numpy()]) & (size[la] >= settings.min_ring_size)
    order = np.argsort(la[keep], kind="stable")
    pa, pb, pw, pl = (x[keep][order] for x in (ia, ib, w, la))
    bounds = np.flatnonzero(np.r_[True, pl[1:] != pl[:-1], True]) if len(pl) else np.array([0])
    return [(pa[s:t], pb[s:t], pw[s:t]) for s, t in itertools.pairwise(bounds.tolist())]


#: Links to cut from which components are cut over several processes.
PARALLEL_DETECT_EDGES = 50_000


def _cut_all(tasks: list[Task], workers: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Cut components one after another, or over ``workers`` processes (same results: each
    component is cut on its own, and results come back in component order). Small graphs
    are cut here: forking would cost more than it saves."""
    if len(tasks) < 2 * workers or sum(len(t[1]) for t in tasks) < PARALLEL_DETECT_EDGES:
        workers = 1
    return fork_map(_cut_task, None, tasks, workers)


def _cut_task(_: None, task: Task) -> tuple[np.ndarray, np.ndarray]:
    return _cut(task)


def _ring_members(
    n: int, e: pd.DataFrame, node: np.ndarray, group: np.ndarray, max_shops: int
) -> tuple[np.ndarray, np.ndarray]:
    """Group and core flag per node of ``node``: loose pieces of one chain joined, then
    membership following strong ties (:func:`_core`), over all communities at once."""
    labels = np.full(n, -1, dtype=np.int64)
    labels[node] = group
    strong = e["strong"].to_numpy()
    labels = _join_chains(labels, e, strong, max_shops)
    core = _core(n, e, labels, strong)
    return labels[node], core[node]


def detect_rings(merchant_ids: pd.Series, edges: pd.DataFrame, settings: Settings) -> Partition:
    """Group linked shops into candidate rings (groups of at least ``min_ring_size`` core shops).

    ``edges`` has columns a, b (merchant ids), weight and, from linking, tie (see
    :func:`strong_ties`). Components of up to three shops are one community; larger ones
    are cut by :func:`_cut`, over ``settings.workers`` processes when that is more than
    one. Core members follow strong ties (:func:`_ring_members`): a chain or a pair tied by
    accounts or devices is a ring (``min_ring_size = 2`` gives pairs), a shop hanging on by
    one weak tie an associate.
    """
    engine = choose_engine(settings.engine)
    nodes = np.sort(pd.unique(merchant_ids.astype(str)))
    index = pd.Index(nodes)
    ia = index.get_indexer(edges["a"])
    ib = index.get_indexer(edges["b"])
    e = pd.DataFrame({"ia": ia, "ib": ib, "weight": edges["weight"].to_numpy()})
    e["strong"] = strong_ties(edges)
    e = e.loc[(e["ia"] >= 0) & (e["ib"] >= 0)].sort_values(["ia", "ib"]).reset_index(drop=True)
    n = len(nodes)
    adj = coo_matrix((np.ones(len(e)), (e["ia"], e["ib"])), shape=(n, n))
    n_comp, comp = connected_components(adj, directed=False)
    sizes = np.bincount(comp, minlength=n_comp)
    big = sizes >= settings.min_ring_size
    e["comp"] = comp[e["ia"].to_numpy()]
    e = e.loc[big[e["comp"].to_numpy()]].sort_values(["comp", "ia", "ib"], kind="stable")

    # components of up to three shops are one community each; who is core is decided below
    small = sizes[e["comp"].to_numpy()] <= 3
    small_nodes = np.flatnonzero(sizes[comp] <= 3)
    small_nodes = small_nodes[np.isin(small_nodes, np.unique(e.loc[small, ["ia", "ib"]]))]
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = [
        (small_nodes, comp[small_nodes].astype(np.int64), np.ones(len(small_nodes), dtype=bool))
    ]

    le = e.loc[~small]
    cuts = le["comp"].to_numpy()
    bounds: list[int] = (
        np.flatnonzero(np.r_[True, cuts[1:] != cuts[:-1], True]).tolist() if len(le) else []
    )
    ia_a, ib_a, w_a = le["ia"].to_numpy(), le["ib"].to_numpy(), le["weight"].to_numpy()
    # a community's core shops are core in their component too: a component with fewer
    # core shops than a ring needs (a tree of everyday sharing) cannot hold a ring
    st_a = le["strong"].to_numpy()
    comp_core_n = np.bincount(comp[_core(n, le, comp, st_a)], minlength=n_comp)
    comp_core = comp_core_n >= settings.min_ring_size
    tasks: list[Task] = []
    for s, t in itertools.pairwise(bounds):
        if not comp_core[cuts[s]]:
            continue
        if has_igraph() and sizes[cuts[s]] > settings.leiden_min_shops:
            tasks += [
                (pa, pb, pw, settings, engine, True)
                for pa, pb, pw in _giant_pieces(ia_a[s:t], ib_a[s:t], w_a[s:t], st_a[s:t], settings)
            ]
        else:
            tasks.append((ia_a[s:t], ib_a[s:t], w_a[s:t], settings, engine, False))
    offset = n_comp
    for local_nodes, (labels, core) in _cut_all(tasks, settings.processes()):
        parts.append((local_nodes, labels + offset, core.astype(bool)))
        offset += int(labels.max()) + 1
    node = np.concatenate([p[0] for p in parts])
    group = np.concatenate([p[1] for p in parts])
    # membership is decided over all communities at once (the cut's own 2-core flags give
    # way to it): the hook of issue 16, kept apart from how communities are cut
    group, core = _ring_members(n, e, node, group, settings.loose_ring_shops)
    core_size = pd.Series(core.astype(int)).groupby(group).transform("sum").to_numpy()
    ok = core_size >= settings.min_ring_size
    members = pd.DataFrame({"node": node[ok], "group": group[ok], "core": core[ok]})
    # groups numbered by their smallest member, so the numbering is the data's, not ours
    first = members.groupby("group")["node"].transform("min")
    members["group"] = pd.factorize(first, sort=True)[0]
    members = members.sort_values(["group", "node"], kind="stable").reset_index(drop=True)
    members.insert(0, "merchant_id", nodes[members["node"].to_numpy()])
    return Partition(members=members.drop(columns="node"), engine=engine, components=int(big.sum()))
