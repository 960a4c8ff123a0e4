"""What may be shown of a server URI: the settings, messages and logs name the server,
never the credentials in it. A module of its own, so the settings need no store."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def safe_uri(uri: str) -> str:
    """The URI as shown in messages: any ``user:password@`` part is dropped.

    >>> safe_uri("neo4j://ann:secret@db.example:7687")
    'neo4j://db.example:7687'
    """
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "<unparseable URI>"
    if parts.username is None and parts.password is None:
        return uri
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
