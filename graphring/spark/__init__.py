"""The whole job on Apache Spark: the same steps as the embedded store, as DataFrame jobs.

PySpark is an optional engine (``pip install 'graphring[spark]'``), imported only when
``--backend spark`` is asked for; :func:`require_pyspark` says what to install otherwise.
"""

from __future__ import annotations

import importlib.util

from graphring.errors import ConfigError


def require_pyspark() -> None:
    """Raise :class:`ConfigError` (exit 2) naming the extra when PySpark is missing."""
    if importlib.util.find_spec("pyspark") is None:
        raise ConfigError(
            "backend 'spark' needs PySpark and Java 17+: pip install 'graphring[spark]'"
        )
