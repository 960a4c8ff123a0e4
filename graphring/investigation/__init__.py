"""The investigator's API, for notebooks: run or reopen an investigation, rank its rings,
open one, and look at its shops, evidence, offline sites, timeline and cheap listings, a
shop's neighbourhood, and what two rings have in common. Graphs show inline in JupyterLab,
classic Notebook, VS Code and Colab, offline: each is a self-contained page (vis-network
inlined from the pyvis package) inside an ``<iframe srcdoc>``.

    session.py        Investigation, investigate(), open_run(), sample_investigation()
    ring.py           Ring: one ring's tables, timeline, listings and graph
    neighbourhood.py  Neighbourhood: the shops a shop reaches through what they share
    compare.py        what two rings have in common
    display.py        a graph as a self-contained page in an ``<iframe srcdoc>``
    cypher.py         read-only Cypher on the Neo4j store, Neo4j values as plain Python

The run folder itself is read by :mod:`graphring.rundir.read`.

>>> import tempfile
>>> from graphring.sample import write_sample
>>> info = write_sample(tempfile.mkdtemp(), n_shops=2500, seed=3)
>>> inv = investigate(info.data_dir)          # load, link, detect, score: seconds
>>> rings = inv.rings()                       # ranked by score, best first
>>> rings[["ring_id", "score", "size"]].head(3)  # doctest: +SKIP
>>> bool(rings["score"].is_monotonic_decreasing)
True
>>> ring = inv.ring(rings["ring_id"].iloc[0])
>>> len(ring.members) == ring.size + int((~ring.members["core"]).sum())
True
>>> ring.show()                               # doctest: +SKIP

A run folder written earlier (``graphring detect``, ``graphring demo`` or
:meth:`Investigation.write`) opens from its files, without detecting anything again:

>>> folder = inv.write(tempfile.mkdtemp() + "/run")
>>> again = open_run(folder, data_dir=info.data_dir)
>>> again.rings()["ring_id"].tolist() == rings["ring_id"].tolist()
True
"""

from graphring.investigation.compare import compare
from graphring.investigation.display import graph_html
from graphring.investigation.neighbourhood import MAX_NEIGHBOURHOOD_SHOPS, Neighbourhood
from graphring.investigation.ring import Ring
from graphring.investigation.session import (
    Investigation,
    NeedsInputData,
    investigate,
    open_run,
    sample_investigation,
)

__all__ = [
    "MAX_NEIGHBOURHOOD_SHOPS",
    "Investigation",
    "NeedsInputData",
    "Neighbourhood",
    "Ring",
    "compare",
    "graph_html",
    "investigate",
    "open_run",
    "sample_investigation",
]
