"""In-database ring detection with Neo4j Graph Data Science (GDS), when the server has it.

The merchant links are computed inside Neo4j (``cypher/merchant_links.cypher``: the
same weights as :mod:`graphring.linking`, kind weight x rarity, supernodes set aside),
come back sorted and are projected into GDS over shop positions
(``cypher/gds_project_edges.cypher``), so the same data always makes the same GDS graph;
connected components come from ``gds.wcc`` and communities from ``gds.louvain`` (or
``gds.leiden``). The rest is what
:func:`graphring.detect.detect_rings` does with its own communities, through the same
helpers (:mod:`graphring.detect.partition`): communities that two or more shops bridge are
joined, loose pieces of one chain joined, single-tie hangers-on are peeled off as
associates, and groups keep ``min_ring_size`` core shops. The result is a
:class:`graphring.detect.Partition`, so scoring, evidence and leads run on it unchanged.
:class:`GdsDetection` hands it to the pipeline (:class:`graphring.detect.Detection`).

The store is asked only named queries (files of ``cypher/``): ``gds_available``,
``merchant_links`` and the streams ``gds_wcc``, ``gds_louvain``, ``gds_leiden`` read;
``gds_project_edges`` and ``gds_drop`` change the GDS graph catalog.

Two algorithms:

``louvain``
    ``gds.louvain`` over the whole link graph. GDS Louvain takes no random seed; at
    concurrency 1 on a sorted projection it gives the same communities every time. Being
    one run over every component, it optimises modularity of the whole marketplace, whose
    resolution limit can merge small rings into their neighbourhood (the local path runs
    Louvain per component for that reason); see docs/neo4j.md for what that costs.
``leiden``
    ``gds.leiden`` (seeded with ``settings.seed``) on a second projection whose link
    weights are scaled so each component weighs the same, with resolution ``gamma`` = the
    number of components times ``settings.resolution``: the modularity this maximises is
    the sum of each component's own modularity, as if every component were cut alone.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from graphring.config import DEFAULT_OTHER_KIND_WEIGHT, Settings
from graphring.detect.partition import (
    Partition,
    join_bridged,
    join_chains,
    select_core,
    strong_ties,
)
from graphring.errors import StoreError

if TYPE_CHECKING:
    from graphring.linking import Links
    from graphring.stores.neo4j import Neo4jStore

ALGORITHMS = ("louvain", "leiden")
#: gds.louvain settings (GDS defaults, written out so a GDS upgrade cannot move them).
LOUVAIN_MAX_LEVELS = 10
LOUVAIN_MAX_ITERATIONS = 10
LOUVAIN_TOLERANCE = 0.0001
LEIDEN_MAX_LEVELS = 10


class GdsDetection:
    """Rings cut inside Neo4j by GDS (:func:`detect_in_database`) with the kind weights
    linking calibrated on this run's data."""

    uses_local_links = False

    def __init__(self, store: Neo4jStore, settings: Settings, algorithm: str) -> None:
        if algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {ALGORITHMS}, not {algorithm!r}")
        self.store = store
        self.settings = settings
        self.algorithm = algorithm

    def partition(self, merchant_ids: pd.Series, links: Links) -> Partition:
        weights = dict(zip(links.weights["label"], links.weights["weight"], strict=True))
        return detect_in_database(self.store, self.settings, self.algorithm, weights)


def gds_available(store: Neo4jStore) -> bool:
    """True when the server has the Graph Data Science library."""
    return int(store.read("gds_available")["n"].iloc[0]) > 0


def link_parameters(
    settings: Settings, weights: Mapping[str, float] | None = None
) -> dict[str, Any]:
    """The parameters of ``merchant_links.cypher`` / ``gds_project_links.cypher``.
    ``weights``: the kind weights linking calibrated (:attr:`Links.weights`), else the
    configured ones."""
    given = settings.kind_weights if weights is None else weights
    return {
        "weights": {str(k): float(v) for k, v in given.items()},
        "other_weight": DEFAULT_OTHER_KIND_WEIGHT,
        "max_holders": settings.supernode_max_merchants,
        "min_weight": settings.min_link_weight,
    }


def merchant_links(
    store: Neo4jStore, settings: Settings, weights: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """The weighted links computed in the database: a, b (a < b), weight, tie, n_kinds,
    sorted."""
    edges = store.read("merchant_links", **link_parameters(settings, weights))
    if edges.empty:
        return pd.DataFrame(
            {
                "a": pd.Series(dtype=object),
                "b": pd.Series(dtype=object),
                "weight": [],
                "tie": [],
                "n_kinds": [],
            }
        )
    return edges.sort_values(["a", "b"], ignore_index=True)


def detect_in_database(
    store: Neo4jStore,
    settings: Settings,
    algorithm: str = "louvain",
    weights: Mapping[str, float] | None = None,
) -> Partition:
    """Cut rings with GDS inside Neo4j; same output as :func:`graphring.detect.detect_rings`.

    Raises :class:`StoreError` when the server has no GDS.
    """
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, not {algorithm!r}")
    if not gds_available(store):
        raise StoreError(
            "in-database detection needs the Graph Data Science library on the Neo4j server "
            "(scripts/neo4j installs it); use local detection instead"
        )
    engine = "gds-" + algorithm
    links = merchant_links(store, settings, weights)
    if links.empty:  # no linked shops at all: GDS makes no graph out of zero rows
        nothing = np.array([], dtype=np.int64)
        return _partition(
            nothing, pd.DataFrame(), nothing, nothing, engine, **_ring_rules(settings)
        )
    # GDS node ids are the positions of the linked shops in merchant_id order; the links
    # are sorted by (a, b), so their positions are too
    nodes = np.unique(np.concatenate([links["a"].to_numpy(), links["b"].to_numpy()]))
    index = pd.Index(nodes)
    ia, ib = index.get_indexer(links["a"]), index.get_indexer(links["b"])
    weight = links["weight"].to_numpy(dtype=float)
    graph = f"graphring-links-{uuid.uuid4().hex[:12]}"
    projected: list[str] = []
    try:
        projected.append(graph)  # dropping a graph that is not there is no error
        _project(store, graph, ia, ib, weight)
        comp = _by_node(store.read("gds_wcc", graph=graph), "component", len(nodes))
        if algorithm == "louvain":
            comm = store.read(
                "gds_louvain",
                graph=graph,
                max_levels=LOUVAIN_MAX_LEVELS,
                max_iterations=LOUVAIN_MAX_ITERATIONS,
                tolerance=LOUVAIN_TOLERANCE,
            )
        else:
            # Leiden over every component at once, each weighted as if it were alone
            second = graph + "-scaled"
            projected.append(second)
            total = np.bincount(comp[ia], weights=weight)
            _project(store, second, ia, ib, weight / total[comp[ia]])
            comm = store.read(
                "gds_leiden",
                graph=second,
                seed=settings.seed,
                gamma=float(comp.max() + 1) * settings.resolution,
                max_levels=LEIDEN_MAX_LEVELS,
            )
        labels = _by_node(comm, "community", len(nodes))
        edges = pd.DataFrame({"ia": ia, "ib": ib, "weight": weight})
        edges["strong"] = strong_ties(links)
        return _partition(nodes, edges, comp, labels, engine, **_ring_rules(settings))
    finally:
        for name in projected:
            with contextlib.suppress(StoreError):  # best effort: the catalog is in memory
                store.write("gds_drop", graph=name)


def _project(
    store: Neo4jStore, graph: str, a: np.ndarray, b: np.ndarray, weight: np.ndarray
) -> None:
    """Project the undirected weighted edges (a[i], b[i]) as ``graph``; rows in order, so
    the same links give the same GDS graph (and, at concurrency 1, the same answer)."""
    store.write(
        "gds_project_edges", graph=graph, a=a.tolist(), b=b.tolist(), weight=weight.tolist()
    )


def _by_node(frame: pd.DataFrame, column: str, n: int) -> np.ndarray:
    """A GDS stream's ids (nodeId, column) as labels 0.. by node position."""
    labels = np.empty(n, dtype=np.int64)
    labels[frame["nodeId"].to_numpy(dtype=np.int64)] = pd.factorize(frame[column], sort=True)[0]
    return labels


def _ring_rules(settings: Settings) -> dict[str, int]:
    """The numbers of :func:`_partition` from ``settings``."""
    return {
        "min_ring_size": settings.min_ring_size,
        "bridges": settings.merge_bridges,
        "max_chain_shops": settings.loose_ring_shops,
    }


def _partition(
    nodes: np.ndarray,
    edges: pd.DataFrame,
    comp: np.ndarray,
    labels: np.ndarray,
    engine: str,
    *,
    min_ring_size: int,
    bridges: int,
    max_chain_shops: int,
) -> Partition:
    """Communities -> candidate rings, as detect_rings does per component. ``edges``: the
    links as node positions ``ia``, ``ib`` and ``weight``, sorted by (ia, ib)."""
    empty = pd.DataFrame(
        {
            "merchant_id": pd.Series(dtype=object),
            "group": pd.Series(dtype=np.int64),
            "core": pd.Series(dtype=bool),
        }
    )
    if len(nodes) == 0:
        return Partition(members=empty, engine=engine, components=0)
    sizes = np.bincount(comp)
    big = sizes >= min_ring_size
    # components of up to 3 shops are one community, as detect_rings does
    small = sizes[comp] <= 3
    labels = np.where(small, labels.max() + 1 + comp, labels)
    labels = pd.factorize(labels, sort=True)[0]
    labels = join_bridged(labels, edges, bridges)
    labels = pd.factorize(labels, sort=True)[0]
    strong = edges["strong"].to_numpy()
    labels = join_chains(labels, edges, strong, max_chain_shops)
    core = select_core(len(nodes), edges, labels, strong)
    core_size = np.bincount(labels, weights=core.astype(float))
    ok = (core_size[labels] >= min_ring_size) & big[comp]
    members = pd.DataFrame({"merchant_id": nodes[ok], "group": labels[ok], "core": core[ok]})
    if members.empty:
        return Partition(members=empty, engine=engine, components=int(big.sum()))
    members["group"] = pd.factorize(members["group"], sort=True)[0]
    members = members.sort_values(["group", "merchant_id"], kind="stable").reset_index(drop=True)
    return Partition(members=members, engine=engine, components=int(big.sum()))
