"""Community detection: which linked shops form a ring.

- :mod:`graphring.detect.partition`: :class:`Partition` and the steps every path shares
  (join bridged communities, join chains, select the core, strong ties).
- :mod:`graphring.detect.louvain`: modularity communities of one component (seeded).
- :mod:`graphring.detect.giant`: Leiden (CPM) for giant components and loose groups.
- :mod:`graphring.detect.local`: per-component cutting here; :func:`detect_rings`, the
  entry point that takes :class:`graphring.config.Settings`.
- :mod:`graphring.detect.gds`: the same inside Neo4j with Graph Data Science.
- :mod:`graphring.detect.detection`: :class:`Detection`, what the pipeline is handed.
"""

from graphring.detect.detection import Detection, LocalDetection, detection_for
from graphring.detect.giant import leiden_cpm
from graphring.detect.local import Cutting, cut_component, detect_rings
from graphring.detect.louvain import choose_engine, has_igraph
from graphring.detect.partition import (
    BRIDGE_SHARE,
    STRONG_TIE,
    Partition,
    join_bridged,
    join_chains,
    select_core,
    strong_ties,
)

__all__ = [
    "BRIDGE_SHARE",
    "STRONG_TIE",
    "Cutting",
    "Detection",
    "LocalDetection",
    "Partition",
    "choose_engine",
    "cut_component",
    "detect_rings",
    "detection_for",
    "has_igraph",
    "join_bridged",
    "join_chains",
    "leiden_cpm",
    "select_core",
    "strong_ties",
]
