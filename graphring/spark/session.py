"""The Spark session a run works in: the master from ``--spark-master`` or
``GRAPHRING_SPARK_MASTER``, UTC timestamps, Arrow transfers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from graphring.spark import require_pyspark

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: Settings graphring needs whatever the cluster's defaults: timestamps stay UTC (the
#: pandas steps read them naive), pandas frames cross through Arrow.
REQUIRED_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",
}


#: Defaults a run sets unless the session (or ``conf``) has its own. The pandas passes of
#: the read stage cost less per row on bigger Arrow batches: the contract's checks and keys
#: over 200,000 shipment rows took 26 s in batches of 10,000 (Spark's default) and 16 s in
#: batches of 50,000 (identifiers: 24 s and 17 s), a batch staying a few MB.
DEFAULT_CONF: dict[str, str] = {
    "spark.sql.execution.arrow.maxRecordsPerBatch": "50000",
}


#: The master when none is given: every core of this machine.
DEFAULT_MASTER = "local[*]"


def _submitted_master() -> bool:
    """True when spark-submit started this process (it hands the Python driver its JVM's
    gateway port), so a master is set already."""
    import os

    return "PYSPARK_GATEWAY_PORT" in os.environ


def spark_session(master: str, conf: dict[str, Any] | None = None) -> SparkSession:
    """The active session if there is one (``spark-submit``, a Databricks notebook), else
    a new one on ``master``. ``conf`` adds settings to a new session (tests: few shuffle
    partitions, no UI)."""
    require_pyspark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        session = active
    else:
        builder = SparkSession.builder.appName("graphring")
        # spark-submit's --master wins over the default; an explicit --spark-master over it
        if master != DEFAULT_MASTER or not _submitted_master():
            builder = builder.master(master)
        for key, value in (conf or {}).items():
            builder = builder.config(key, str(value))
        session = builder.getOrCreate()
    for key, value in REQUIRED_CONF.items():
        session.conf.set(key, value)
    for key, value in DEFAULT_CONF.items():
        if key not in (conf or {}) and not _set_by_user(session, key):
            session.conf.set(key, value)
    return session


def _set_by_user(session: SparkSession, key: str) -> bool:
    """True when the session's launch configuration (spark-submit ``--conf``, a cluster's
    defaults) names ``key``."""
    return session.sparkContext.getConf().contains(key)


def arrow_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with text columns as plain objects: PySpark turns each column into one
    Arrow array, and pandas' Arrow-backed strings may come in several chunks."""
    text = [
        c
        for c, t in frame.dtypes.items()
        if isinstance(t, (pd.StringDtype, pd.ArrowDtype)) or t == "str"
    ]
    return frame.astype(dict.fromkeys(text, object)) if text else frame


def to_pandas(frame: DataFrame) -> pd.DataFrame:
    """Collect ``frame`` (through Arrow), timestamps as the pandas steps expect them."""
    out = cast(pd.DataFrame, frame.toPandas())
    for col, dtype in out.dtypes.items():
        if str(dtype).startswith("datetime64"):
            out[col] = out[col].astype("datetime64[ns]")
    return out
