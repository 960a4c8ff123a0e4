"""The investigator's API, for notebooks: run or reopen an investigation, rank its rings,
open one, look at a shop's neighbourhood and at what two rings have in common."""

from graphring.investigation.session import (
    Investigation,
    NeedsInputData,
    Neighbourhood,
    Ring,
    graph_html,
    investigate,
    open_run,
    read_queries,
    sample_investigation,
    writes,
)

__all__ = [
    "Investigation",
    "NeedsInputData",
    "Neighbourhood",
    "Ring",
    "graph_html",
    "investigate",
    "open_run",
    "read_queries",
    "sample_investigation",
    "writes",
]
