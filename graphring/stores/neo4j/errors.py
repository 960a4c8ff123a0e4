"""The one place Neo4j driver errors become graphring errors (``raise ... from e``): a
query that fails, a lost connection, refused credentials, a write refused by a read-only
transaction, the database held by another run."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from graphring.errors import RunLockedError, StoreError

#: The server's code for a write refused by a read-only (READ access mode) transaction.
ACCESS_MODE = "Neo.ClientError.Statement.AccessMode"
#: Words in the codes of a transaction that gave up waiting for a lock (varies by version).
LOCK_WAIT_CODES = ("TimedOut", "LockClientStopped", "Terminated")


@contextlib.contextmanager
def translated(what: str) -> Iterator[None]:
    """Run the block; a driver error raised in it becomes a :class:`StoreError` naming
    ``what`` was being done (a query's name, "a read-only query")."""
    import neo4j

    try:
        yield
    except neo4j.exceptions.Neo4jError as e:
        if e.code == ACCESS_MODE:
            raise StoreError(
                f"Neo4j refused {what}: it writes, and it ran in a read-only transaction "
                "(nothing was changed)"
            ) from e
        raise StoreError(f"Neo4j query {what} failed: {e.code}: {e.message}") from e
    except (neo4j.exceptions.DriverError, OSError) as e:
        raise StoreError(f"lost the connection to Neo4j: {type(e).__name__}") from e


@contextlib.contextmanager
def connecting(uri: str, user: str) -> Iterator[None]:
    """Opening a driver: refused credentials and an unreachable server, told apart.
    ``uri`` is shown as given: pass it through :func:`graphring.uri.safe_uri`."""
    import neo4j

    try:
        yield
    except neo4j.exceptions.AuthError as e:
        raise StoreError(
            f"Neo4j at {uri} refused the credentials of user "
            f"{user!r} (check NEO4J_USER / NEO4J_PASSWORD)"
        ) from e
    except (
        neo4j.exceptions.DriverError,
        neo4j.exceptions.Neo4jError,
        OSError,
        ValueError,
    ) as e:
        raise StoreError(f"cannot reach Neo4j at {uri}: {type(e).__name__}") from e


@contextlib.contextmanager
def holding(database: str) -> Iterator[None]:
    """Taking the database's run lock: a transaction that gave up waiting for it becomes
    :class:`RunLockedError` (exit 75)."""
    import neo4j

    try:
        yield
    except neo4j.exceptions.Neo4jError as e:
        if any(w in (e.code or "") for w in LOCK_WAIT_CODES):
            raise RunLockedError(
                f"another graphring run is using the Neo4j database {database!r}; "
                "this run did nothing: try again when it has finished"
            ) from e
        raise StoreError(f"cannot hold the Neo4j database: {e.code}: {e.message}") from e
    except (neo4j.exceptions.DriverError, OSError) as e:
        raise StoreError(f"lost the connection to Neo4j: {type(e).__name__}") from e


def driver_errors() -> tuple[type[BaseException], ...]:
    """The driver's error classes (what a best-effort cleanup may ignore)."""
    import neo4j

    return (neo4j.exceptions.DriverError, neo4j.exceptions.Neo4jError)
