"""Community detection in this process (and its forked workers): which linked shops form a
ring.

Rings live inside connected components of the (supernode-pruned) merchant graph, so
detection runs per component: this keeps the modularity resolution limit from merging
small rings into big background communities, and lets small components skip Louvain.
Inside a component python-louvain (or igraph, when installed) cuts communities
(:mod:`graphring.detect.louvain`); two communities tied across the cut by several bridging
shops (cells of one ring bridged by shops that use two warehouses) are joined again; shops
hanging on a ring by a single tie are peeled off as associates
(:mod:`graphring.detect.partition`). Nodes and edges are fed in sorted order, so the same
input and seed give the same rings whatever PYTHONHASHSEED is (python-louvain varies with
node order otherwise).

A giant component (everyday honest sharing knits a real marketplace into one: more than
``leiden_min_shops`` shops) still has the resolution limit inside it, so it is cut with
igraph's Leiden and the constant Potts model (:mod:`graphring.detect.giant`), in this
process; its pieces are then spread over the workers like components. No group of more
than ``loose_ring_shops`` shops with fewer than ``ring_density_floor`` of its pairs linked
is a ring: it is cut again with CPM at twice the resolution until its pieces are small or
dense enough.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from graphring.config import Settings
from graphring.detect.giant import giant_pieces, refine, tighten
from graphring.detect.louvain import choose_engine, has_igraph, louvain
from graphring.detect.partition import (
    Partition,
    join_bridged,
    join_chains,
    select_core,
    strong_ties,
)
from graphring.parallel import fork_map


@dataclass(frozen=True)
class Cutting:
    """The numbers community cutting uses (from :class:`graphring.config.Settings`, whose
    fields of the same names document them); small, so it travels to worker processes."""

    seed: int
    resolution: float
    cpm_resolution: float
    merge_bridges: int
    loose_ring_shops: int
    ring_density_floor: float
    #: ``louvain`` or ``igraph`` (:func:`graphring.detect.louvain.choose_engine`)
    engine: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Cutting:
        return cls(
            seed=settings.seed,
            resolution=settings.resolution,
            cpm_resolution=settings.cpm_resolution,
            merge_bridges=settings.merge_bridges,
            loose_ring_shops=settings.loose_ring_shops,
            ring_density_floor=settings.ring_density_floor,
            engine=choose_engine(settings.engine),
        )


#: One unit of cutting: global node ids of its edges' ends, weights, the numbers, and
#: whether it is a piece of a giant component already cut (then only tightened and peeled).
Task = tuple[np.ndarray, np.ndarray, np.ndarray, Cutting, bool]


def cut_component(
    ia: np.ndarray, ib: np.ndarray, weight: np.ndarray, cutting: Cutting, piece: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Communities and core flags of one component or piece: its nodes (the global ids in
    ``ia``, ``ib``, sorted) and a 2-row array of local labels and core flags."""
    local_nodes = np.unique(np.concatenate([ia, ib]))
    local = pd.DataFrame(
        {
            "ia": np.searchsorted(local_nodes, ia),
            "ib": np.searchsorted(local_nodes, ib),
            "weight": weight,
        }
    )
    n = len(local_nodes)
    if piece:
        labels = np.zeros(n, dtype=np.int64)
    else:
        labels = louvain(
            n, local, resolution=cutting.resolution, seed=cutting.seed, engine=cutting.engine
        )
        if has_igraph() and labels.max() > 0:
            labels = refine(n, local, labels, resolution=cutting.cpm_resolution, seed=cutting.seed)
        if labels.max() > 0:
            labels = join_bridged(labels, local, cutting.merge_bridges)
    if has_igraph() and n > cutting.loose_ring_shops:
        labels = tighten(
            local,
            pd.factorize(labels)[0],
            resolution=cutting.cpm_resolution,
            seed=cutting.seed,
            max_shops=cutting.loose_ring_shops,
            density_floor=cutting.ring_density_floor,
        )
    labels = pd.factorize(labels, sort=True)[0]
    return local_nodes, np.stack([labels, select_core(n, local, labels)])


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
    return cut_component(*task)


def _ring_members(
    n: int, e: pd.DataFrame, node: np.ndarray, group: np.ndarray, max_shops: int
) -> tuple[np.ndarray, np.ndarray]:
    """Group and core flag per node of ``node``: loose pieces of one chain joined, then
    membership following strong ties (:func:`select_core`), over all communities at once."""
    labels = np.full(n, -1, dtype=np.int64)
    labels[node] = group
    strong = e["strong"].to_numpy()
    labels = join_chains(labels, e, strong, max_shops)
    core = select_core(n, e, labels, strong)
    return labels[node], core[node]


def detect_rings(merchant_ids: pd.Series, edges: pd.DataFrame, settings: Settings) -> Partition:
    """Group linked shops into candidate rings (groups of at least ``min_ring_size`` core shops).

    ``edges`` has columns a, b (merchant ids), weight and, from linking, tie (see
    :func:`strong_ties`). Components of up to three shops are one community; larger ones
    are cut by :func:`cut_component`, over ``settings.workers`` processes when that is more
    than one. Core members follow strong ties (:func:`_ring_members`): a chain or a pair
    tied by accounts or devices is a ring (``min_ring_size = 2`` gives pairs), a shop
    hanging on by one weak tie an associate.
    """
    cutting = Cutting.from_settings(settings)
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

    tasks = _tasks(e.loc[~small], comp, n, n_comp, sizes, settings, cutting)
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
    return Partition(
        members=members.drop(columns="node"), engine=cutting.engine, components=int(big.sum())
    )


def _tasks(
    le: pd.DataFrame,
    comp: np.ndarray,
    n: int,
    n_comp: int,
    sizes: np.ndarray,
    settings: Settings,
    cutting: Cutting,
) -> list[Task]:
    """The units of cutting of the components of four shops or more (``le``: their edges,
    sorted by component): each component whole, or a giant one's pieces."""
    cuts = le["comp"].to_numpy()
    bounds: list[int] = (
        np.flatnonzero(np.r_[True, cuts[1:] != cuts[:-1], True]).tolist() if len(le) else []
    )
    ia_a, ib_a, w_a = le["ia"].to_numpy(), le["ib"].to_numpy(), le["weight"].to_numpy()
    # a community's core shops are core in their component too: a component with fewer
    # core shops than a ring needs (a tree of everyday sharing) cannot hold a ring
    st_a = le["strong"].to_numpy()
    comp_core_n = np.bincount(comp[select_core(n, le, comp, st_a)], minlength=n_comp)
    comp_core = comp_core_n >= settings.min_ring_size
    tasks: list[Task] = []
    for s, t in itertools.pairwise(bounds):
        if not comp_core[cuts[s]]:
            continue
        if has_igraph() and sizes[cuts[s]] > settings.leiden_min_shops:
            pieces = giant_pieces(
                ia_a[s:t],
                ib_a[s:t],
                w_a[s:t],
                st_a[s:t],
                resolution=cutting.cpm_resolution,
                seed=cutting.seed,
                bridges=cutting.merge_bridges,
                min_ring_size=settings.min_ring_size,
            )
            tasks += [(pa, pb, pw, cutting, True) for pa, pb, pw in pieces]
        else:
            tasks.append((ia_a[s:t], ib_a[s:t], w_a[s:t], cutting, False))
    return tasks
