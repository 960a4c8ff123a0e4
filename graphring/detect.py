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
"""

from __future__ import annotations

import importlib.util
import itertools
from dataclasses import dataclass

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


def _louvain(nodes: np.ndarray, edges: pd.DataFrame, settings: Settings, engine: str) -> np.ndarray:
    """Community label per node (positions into ``nodes``) of one component."""
    if engine == "igraph":
        import igraph as ig

        g = ig.Graph(n=len(nodes), edges=edges[["ia", "ib"]].to_numpy().tolist())
        import random

        random.seed(settings.seed)
        parts = g.community_multilevel(
            weights=edges["weight"].to_list(), resolution=settings.resolution
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


def _core(n: int, edges: pd.DataFrame, labels: np.ndarray) -> np.ndarray:
    """True for nodes with 2+ neighbours inside their community, after repeated peeling."""
    inside = labels[edges["ia"].to_numpy()] == labels[edges["ib"].to_numpy()]
    a = edges["ia"].to_numpy()[inside]
    b = edges["ib"].to_numpy()[inside]
    alive = np.ones(n, dtype=bool)
    while True:
        keep = alive[a] & alive[b]
        deg = np.bincount(a[keep], minlength=n) + np.bincount(b[keep], minlength=n)
        drop = alive & (deg < 2)
        if not drop.any():
            return alive
        alive &= ~drop


def _cut(
    task: tuple[np.ndarray, np.ndarray, np.ndarray, Settings, str],
) -> tuple[np.ndarray, np.ndarray]:
    """Communities and core flags of one component (global node ids in, local labels out)."""
    ia_g, ib_g, weight, settings, engine = task
    local_nodes = np.unique(np.concatenate([ia_g, ib_g]))
    local = pd.DataFrame(
        {
            "ia": np.searchsorted(local_nodes, ia_g),
            "ib": np.searchsorted(local_nodes, ib_g),
            "weight": weight,
        }
    )
    labels = _louvain(local_nodes, local, settings, engine)
    if labels.max() > 0:
        labels = _join_bridged(labels, local, settings.merge_bridges)
    labels = pd.factorize(labels, sort=True)[0]
    return local_nodes, np.stack([labels, _core(len(local_nodes), local, labels)])


#: Links to cut from which components are cut over several processes.
PARALLEL_DETECT_EDGES = 50_000


def _cut_all(
    tasks: list[tuple[np.ndarray, np.ndarray, np.ndarray, Settings, str]], workers: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Cut components one after another, or over ``workers`` processes (same results: each
    component is cut on its own, and results come back in component order). Small graphs
    are cut here: forking would cost more than it saves."""
    if len(tasks) < 2 * workers or sum(len(t[1]) for t in tasks) < PARALLEL_DETECT_EDGES:
        workers = 1
    return fork_map(_cut_task, None, tasks, workers)


def _cut_task(
    _: None, task: tuple[np.ndarray, np.ndarray, np.ndarray, Settings, str]
) -> tuple[np.ndarray, np.ndarray]:
    return _cut(task)


def detect_rings(merchant_ids: pd.Series, edges: pd.DataFrame, settings: Settings) -> Partition:
    """Group linked shops into candidate rings (groups of at least ``min_ring_size`` core shops).

    ``edges`` has columns a, b (merchant ids) and weight. Components of three shops are a
    ring when they form a triangle; larger ones are cut by :func:`_cut`, over
    ``settings.workers`` processes when that is more than one.
    """
    engine = choose_engine(settings.engine)
    nodes = np.sort(pd.unique(merchant_ids.astype(str)))
    index = pd.Index(nodes)
    ia = index.get_indexer(edges["a"])
    ib = index.get_indexer(edges["b"])
    e = pd.DataFrame({"ia": ia, "ib": ib, "weight": edges["weight"].to_numpy()})
    e = e.loc[(e["ia"] >= 0) & (e["ib"] >= 0)].sort_values(["ia", "ib"]).reset_index(drop=True)
    n = len(nodes)
    adj = coo_matrix((np.ones(len(e)), (e["ia"], e["ib"])), shape=(n, n))
    n_comp, comp = connected_components(adj, directed=False)
    sizes = np.bincount(comp, minlength=n_comp)
    big = sizes >= settings.min_ring_size
    e["comp"] = comp[e["ia"].to_numpy()]
    e = e.loc[big[e["comp"].to_numpy()]].sort_values(["comp", "ia", "ib"], kind="stable")

    # components of three shops: one ring if they form a triangle (else nobody is core)
    small = sizes[e["comp"].to_numpy()] <= 3
    se = e.loc[small]
    deg = np.bincount(np.concatenate([se["ia"], se["ib"]]), minlength=n)
    tri_comp = np.unique(se["comp"])
    tri_comp = tri_comp[np.bincount(se["comp"], minlength=n_comp)[tri_comp] == 3]
    tri_nodes = np.flatnonzero(np.isin(comp, tri_comp) & (deg == 2))
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = [
        (tri_nodes, comp[tri_nodes].astype(np.int64), np.ones(len(tri_nodes), dtype=bool))
    ]

    le = e.loc[~small]
    cuts = le["comp"].to_numpy()
    bounds: list[int] = (
        np.flatnonzero(np.r_[True, cuts[1:] != cuts[:-1], True]).tolist() if len(le) else []
    )
    ia_a, ib_a, w_a = le["ia"].to_numpy(), le["ib"].to_numpy(), le["weight"].to_numpy()
    tasks = [
        (ia_a[s:t], ib_a[s:t], w_a[s:t], settings, engine) for s, t in itertools.pairwise(bounds)
    ]
    offset = n_comp
    for local_nodes, (labels, core) in _cut_all(tasks, settings.processes()):
        parts.append((local_nodes, labels + offset, core.astype(bool)))
        offset += int(labels.max()) + 1
    node = np.concatenate([p[0] for p in parts])
    group = np.concatenate([p[1] for p in parts])
    core = np.concatenate([p[2] for p in parts])
    core_size = pd.Series(core.astype(int)).groupby(group).transform("sum").to_numpy()
    ok = core_size >= settings.min_ring_size
    members = pd.DataFrame({"node": node[ok], "group": group[ok], "core": core[ok]})
    # groups numbered by their smallest member, so the numbering is the data's, not ours
    first = members.groupby("group")["node"].transform("min")
    members["group"] = pd.factorize(first, sort=True)[0]
    members = members.sort_values(["group", "node"], kind="stable").reset_index(drop=True)
    members.insert(0, "merchant_id", nodes[members["node"].to_numpy()])
    return Partition(members=members.drop(columns="node"), engine=engine, components=int(big.sum()))
