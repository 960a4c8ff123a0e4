"""A real Neo4j server as the store.

``store`` (:class:`Neo4jStore`: loads, the store's questions, :meth:`~Neo4jStore.read` /
:meth:`~Neo4jStore.write` of named queries, :meth:`~Neo4jStore.query` for a user's own
read-only Cypher), ``errors`` (where driver errors become graphring errors), ``plan`` and
``first_load`` (the two load planners), ``columns`` (batches as Bolt columns) and
``scheduler`` (:class:`LoadScheduler`: the steps sent over several sessions).
"""

from graphring.stores.neo4j.plan import DATA_LABELS, DATA_TYPES, plan_steps
from graphring.stores.neo4j.scheduler import LoadReport, LoadScheduler, Step
from graphring.stores.neo4j.store import LOAD_SESSIONS, Neo4jStore
from graphring.uri import safe_uri

__all__ = [
    "DATA_LABELS",
    "DATA_TYPES",
    "LOAD_SESSIONS",
    "LoadReport",
    "LoadScheduler",
    "Neo4jStore",
    "Step",
    "plan_steps",
    "safe_uri",
]
