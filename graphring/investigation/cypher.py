"""Cypher for investigators: a named query under cypher/ run on the Neo4j store in a
read-only session (the server, not a pattern over the text, refuses a query that writes),
and Neo4j values as plain Python.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from graphring.stores.base import Store


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
    """Run the query ``cypher/<name>.cypher`` with ``params`` on a Neo4j store in a read-only
    session (:meth:`graphring.stores.neo4j.Neo4jStore.query`: the server refuses a query that
    writes); nodes come back as dicts of their properties, paths as text (what
    :meth:`graphring.investigation.Investigation.cypher` does)."""
    from graphring.queries import names, query

    run = getattr(store, "query", None)
    if store is None or store.name != "neo4j" or run is None:
        raise TypeError(
            "cypher() needs the Neo4j store: investigate(data, settings, store) with "
            "settings = load_settings(backend='neo4j') and store = open_store(settings)"
        )
    if name not in names():
        raise ValueError(f"{name!r} is not a query under cypher/: {', '.join(names())}")
    frame: pd.DataFrame = run(query(name), **params)
    return frame.map(_plain) if not frame.empty else frame
