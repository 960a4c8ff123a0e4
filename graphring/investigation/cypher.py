"""Read-only Cypher for investigators: which queries under cypher/ only read (a regex
over the query text), running one on the Neo4j store, and Neo4j values as plain Python.

Kept apart, as it is, so that the store's own READ transactions can replace the regex
guard in one place.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import pandas as pd

from graphring.stores.base import Store

#: Cypher clauses that write: :func:`run_read_query` runs no query holding one.
_WRITES = re.compile(
    r"\b(CREATE|MERGE|DELETE|DETACH|SET|REMOVE|DROP|FOREACH|LOAD\s+CSV)\b"
    r"|\.(write|mutate|create|merge|delete|refactor|periodic)\b",
    re.IGNORECASE,
)


def writes(text: str) -> bool:
    """Whether a Cypher text writes (a clause such as MERGE or DELETE outside comments and
    strings, or a procedure that writes).

    >>> writes("MATCH (m:Merchant) RETURN m.name AS name // no SET here")
    False
    >>> writes("MATCH (n) DETACH DELETE n")
    True
    """
    code = re.sub(r"//[^\n]*|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", " ", text)
    return _WRITES.search(code) is not None


def read_queries() -> list[str]:
    """Names of the queries under cypher/ that only read: what :meth:`Investigation.cypher`
    runs."""
    from graphring.queries import query

    names = [
        p.name.removesuffix(".cypher")
        for p in (resources.files("graphring") / "cypher").iterdir()
        if p.name.endswith(".cypher")
    ]
    return sorted(n for n in names if not writes(query(n)))


def _node_name(node: Any) -> str:
    for key in ("merchant_id", "key", "shipment_id", "listing_id", "ring_id", "run_id"):
        if key in node:
            return str(node[key])
    return ":".join(sorted(node.labels))


def _plain(value: Any) -> Any:
    """Neo4j values as plain Python: a node as a dict, a path as readable text."""
    from neo4j.graph import Node, Relationship
    from neo4j.graph import Path as GraphPath

    if isinstance(value, Node):
        return {"labels": sorted(value.labels), **dict(value)}
    if isinstance(value, Relationship):
        return {"type": value.type, **dict(value)}
    if isinstance(value, GraphPath):
        here: Any = value.start_node
        text = f"({_node_name(here)})"
        for rel in value.relationships:
            start: Any = rel.start_node
            forward = start is not None and start.element_id == here.element_id
            there: Any = rel.end_node if forward else start
            arrow = f"-[:{rel.type}]->" if forward else f"<-[:{rel.type}]-"
            text += f"{arrow}({_node_name(there)})"
            here = there
        return text
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "to_native"):
        return value.to_native()
    return value


def run_read_query(store: Store | None, name: str, params: dict[str, Any]) -> pd.DataFrame:
    """Run the read query ``cypher/<name>.cypher`` with ``params`` on a Neo4j store; nodes
    come back as dicts of their properties, paths as text (what
    :meth:`graphring.investigation.Investigation.cypher` does)."""
    run = getattr(store, "run", None)
    if store is None or store.name != "neo4j" or run is None:
        raise TypeError(
            "cypher() needs the Neo4j store: investigate(data, settings, store) with "
            "settings = load_settings(backend='neo4j') and store = open_store(settings)"
        )
    reads = read_queries()
    if name not in reads:
        raise ValueError(
            f"{name!r} is not a query under cypher/ that only reads; those are: {', '.join(reads)}"
        )
    frame: pd.DataFrame = run(name, **params)
    return frame.map(_plain) if not frame.empty else frame
