"""Where the graph lives: the embedded memory store (default), a Neo4j server or Spark."""

from __future__ import annotations

from graphring.config import Settings
from graphring.stores.base import Store
from graphring.stores.memory import MemoryStore


def open_store(settings: Settings) -> Store:
    """The store ``settings.backend`` names; Neo4j and Spark are imported only when asked for."""
    if settings.backend == "neo4j":
        from graphring.stores.neo4j import Neo4jStore

        return Neo4jStore.connect(settings)
    if settings.backend == "spark":
        from graphring.spark.store import SparkStore

        return SparkStore.connect(settings)
    return MemoryStore()


__all__ = ["MemoryStore", "Store", "open_store"]
