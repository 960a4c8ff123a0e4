"""A real Neo4j server as the store (see :mod:`graphring.stores.neo4j.store`)."""

from graphring.stores.neo4j.store import (
    DATA_LABELS,
    DATA_TYPES,
    LOAD_SESSIONS,
    LoadReport,
    Neo4jStore,
    _Run,
    _Step,
    plan_steps,
    safe_uri,
)

__all__ = [
    "DATA_LABELS",
    "DATA_TYPES",
    "LOAD_SESSIONS",
    "LoadReport",
    "Neo4jStore",
    "_Run",
    "_Step",
    "plan_steps",
    "safe_uri",
]
