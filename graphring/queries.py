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


def statements(name: str) -> list[str]:
    """A file of several statements (the schema), split on ``;`` at line ends."""
    text = "\n".join(line for line in query(name).splitlines() if not line.strip().startswith("//"))
    return [s.strip() for s in text.split(";\n") if s.strip().rstrip(";")]
