"""The Cypher queries, one per file under ``cypher/`` (shipped inside the package)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def query(name: str) -> str:
    """The text of ``cypher/<name>.cypher``.

    >>> "MATCH (m:Merchant)" in query("read_merchants")
    True
    """
    return (resources.files("graphring") / "cypher" / f"{name}.cypher").read_text("utf-8")


def names() -> list[str]:
    """The names of every query file, sorted.

    >>> "ring_view" in names()
    True
    """
    folder = resources.files("graphring") / "cypher"
    return sorted(
        p.name.removesuffix(".cypher") for p in folder.iterdir() if p.name.endswith(".cypher")
    )


def statements(name: str) -> list[str]:
    """A file of several statements (the schema), split on ``;`` at line ends."""
    text = "\n".join(line for line in query(name).splitlines() if not line.strip().startswith("//"))
    return [s.strip() for s in text.split(";\n") if s.strip().rstrip(";")]
