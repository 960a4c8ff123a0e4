"""Where the graph lives: the embedded memory store (default) or a Neo4j server."""

from __future__ import annotations

from graphring.config import Settings
from graphring.stores.base import Store
from graphring.stores.memory import MemoryStore


def open_store(settings: Settings) -> Store:
    """The store ``settings.backend`` names; Neo4j is imported only when asked for."""
    if settings.backend == "neo4j":
        from graphring.stores.neo4j import Neo4jStore

        return Neo4jStore.connect(settings)
    return MemoryStore(settings.processes())


__all__ = ["MemoryStore", "Store", "open_store"]
