"""The input tables of DATA_CONTRACT read, validated and normalized as Spark DataFrames.

Each file is read once and crosses to Python once: one ``mapInPandas`` pass per Arrow
batch runs the contract's own row checks and canonical keys (``contract._validate`` and
``contract._put_keys``, so :mod:`graphring.normalize` is the one code path), and its
output is persisted; everything after works on that. What needs the whole table is done
by Spark on the ids only: unknown merchant ids and repeated ids are found by aggregates
over the id columns, come to the driver (they are rows set aside, which are collected
anyway) and go back as small broadcast tables, so whole rows are never shuffled. The
checks keep the embedded reader's order: row checks, unknown shop, duplicate id, then a
value with no key left. Rejects are few and are collected.

Line numbers: a record's line is its position in its file (header = line 1, as the
embedded reader counts). Each row carries ``monotonically_increasing_id`` taken on the
file's own partitions (Spark reads one file's splits in file order); each partition's
smallest and largest id in the persisted output give its row count, so no separate pass
over the file counts them.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from graphring.contract import (
    DATE,
    DATETIME,
    KEYED,
    NUMBER,
    REJECT_COLUMNS,
    SET_ASIDE,
    TABLES,
    SourceFile,
    _put_keys,
    _Rejects,
    _validate,
    table_counts,
)
from graphring.errors import InputError
from graphring.spark.session import arrow_ready, to_pandas

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_SPARK_TYPES = {NUMBER: "double", DATE: "timestamp", DATETIME: "timestamp"}
#: Columns a row set aside carries through a pandas pass (beside ``_line``).
_REJECT_FIELDS = ["_r_column", "_r_reason", "_r_value", "_r_action"]
#: A kept row's value with no key left (set aside unless a table-wide check does first).
_KEY_FIELDS = ["_k_column", "_k_reason", "_k_value", "_k_action"]


@dataclass
class SparkDataset:
    """The validated tables as Spark DataFrames (every contract column, ``_line``, key
    columns, extra columns), the rows set aside (collected: they are few) and the sources."""

    tables: dict[str, DataFrame]
    rejects: pd.DataFrame
    sources: dict[str, SourceFile] = field(default_factory=dict)
    loaded: dict[str, int] = field(default_factory=dict)
    #: What the tables are read from: each file's rows after its pandas pass, persisted.
    persisted: list[DataFrame] = field(default_factory=list)

    def unpersist(self) -> None:
        """Free the persisted rows (the tables cannot be used after this)."""
        for frame in self.persisted:
            frame.unpersist()

    def counts(self) -> dict[str, dict[str, int]]:
        """Rows read, loaded and set aside, per table (as :meth:`Dataset.counts`)."""
        return table_counts(self.sources, self.loaded, self.rejects)


def _hadoop_path(spark: SparkSession, path: str) -> tuple[Any, Any]:
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    p = jvm.org.apache.hadoop.fs.Path(path)
    return p, p.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())


def _find_file(spark: SparkSession, folder: str, name: str) -> str | None:
    found = []
    for ext in ("csv", "parquet"):
        p, fs = _hadoop_path(spark, f"{folder.rstrip('/')}/{name}.{ext}")
        if fs.isFile(p):
            found.append(str(p))
    if len(found) > 1:
        raise InputError(f"both {name}.csv and {name}.parquet exist; keep one", file=folder)
    return found[0] if found else None


def _sha256(spark: SparkSession, path: str) -> str:
    """The file's SHA-256, streamed through the driver a megabyte at a time (read here
    when the file is local, through Hadoop's file system otherwise)."""
    p, fs = _hadoop_path(spark, path)
    uri = p.toUri()
    if uri.getScheme() in (None, "file"):
        local = hashlib.sha256()
        with open(uri.getPath(), "rb") as handle:
            while chunk := handle.read(1 << 20):
                local.update(chunk)
        return local.hexdigest()
    left = int(fs.getFileStatus(p).getLen())
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    io = jvm.org.apache.commons.io.IOUtils
    digest = hashlib.sha256()
    stream = fs.open(p)
    try:
        while left > 0:
            n = min(left, 1 << 20)
            digest.update(bytes(io.toByteArray(stream, n)))
            left -= n
    finally:
        stream.close()
    return digest.hexdigest()


def _raw(spark: SparkSession, path: str) -> DataFrame:
    """Every column as text, nulls as empty text, names trimmed (and a BOM dropped)."""
    from pyspark.sql import functions as F

    try:
        if path.endswith(".parquet"):
            frame = spark.read.parquet(path)
            cols = []
            for f in frame.schema.fields:
                c = F.col(f"`{f.name}`")
                if f.dataType.typeName() in {"date", "timestamp", "timestamp_ntz"}:
                    c = F.date_format(c, "yyyy-MM-dd")
                cols.append(c.cast("string"))
            frame = frame.select(*cols)
        else:
            frame = (
                spark.read.option("header", True)
                .option("inferSchema", False)
                .option("encoding", "UTF-8")
                .option("mode", "PERMISSIVE")
                .csv(path)
            )
        names = frame.columns
    except Exception as e:  # Spark raises many kinds for a broken file
        raise InputError(f"cannot be read: {e}", file=Path(path).name) from e
    if not names:
        raise InputError("the file is empty; a header row is required", file=Path(path).name)
    clean = [n.replace("\ufeff", "").strip() for n in names]
    return frame.select(
        *(
            F.coalesce(F.col(f"`{n}`"), F.lit("")).alias(c)
            for n, c in zip(names, clean, strict=True)
        )
    )


def _line_bases(per: pd.DataFrame, first_line: int) -> tuple[list[int], int]:
    """What to add to each partition's ``monotonically_increasing_id`` (the partition's id
    shifted 33 bits plus the row's place in it) to get the row's line, from each
    partition's smallest and largest id (``_p``, ``first``, ``last``), and the rows read.

    Each partition's rows are offset by the rows of the partitions before it; a partition
    with no rows gets 0 (nothing uses it)."""
    if per.empty:
        return [0], 0
    per = per.sort_values("_p")
    n = per["last"].to_numpy(dtype=np.int64) - per["first"].to_numpy(dtype=np.int64) + 1
    base = np.cumsum(n) - n + first_line - per["first"].to_numpy(dtype=np.int64)
    bases = np.zeros(int(per["_p"].max()) + 1, dtype=np.int64)
    bases[per["_p"].to_numpy(dtype=np.int64)] = base
    return [int(b) for b in bases], int(n.sum())


def _schema(name: str, extras: list[str]) -> str:
    spec = TABLES[name]
    cols = ["`_line` long"]
    cols += [f"`{c.name}` {_SPARK_TYPES.get(c.type, 'string')}" for c in spec.columns]
    cols += [f"`{key}` string" for _, key, _ in KEYED.get(name, [])]
    cols += [f"`{e}` string" for e in extras]
    cols += [f"`{r}` string" for r in (*_REJECT_FIELDS, *_KEY_FIELDS)]
    return ", ".join(cols)


def _combined(
    kept: pd.DataFrame, rejects: _Rejects, no_key: _Rejects, columns: list[str]
) -> pd.DataFrame:
    """Rows kept and rows set aside in one frame (one output schema for mapInPandas); a kept
    row with a value that has no key carries that reject in its ``_k_`` fields."""
    kept = arrow_ready(kept.reindex(columns=columns))
    for r in (*_REJECT_FIELDS, *_KEY_FIELDS):
        kept[r] = None
    if no_key.parts:  # one reject per row at most: the first column with no key left
        k = pd.concat(no_key.parts, ignore_index=True).set_index("line")
        for f, src in zip(_KEY_FIELDS, ["column", "reason", "value", "action"], strict=True):
            v = kept["_line"].map(k[src].astype(str))
            kept[f] = v.astype(object).where(v.notna(), None)
    if not rejects.parts:
        return kept
    r = pd.concat(rejects.parts, ignore_index=True)
    # empty rows of the kept rows' types: the concatenation keeps every column's type
    out = kept.iloc[:0].reindex(range(len(r)))
    out["_line"] = r["line"].to_numpy(dtype=np.int64)
    out["_r_column"] = r["column"].astype(str).to_numpy()
    out["_r_reason"] = r["reason"].astype(str).to_numpy()
    out["_r_value"] = r["value"].astype(str).to_numpy()
    out["_r_action"] = r["action"].astype(str).to_numpy()
    return arrow_ready(pd.concat([kept, out], ignore_index=True))


def _rows(
    name: str, file: str, extras: list[str], today: pd.Timestamp, region: str
) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    """The contract's checks that need one row only (table-wide ones are Spark's), then
    the canonical keys of the rows those checks keep, in one pass over each Arrow batch:
    :func:`graphring.contract._validate` and :func:`graphring.contract._put_keys` (the
    normalize functions). A value with no key left does not set its row aside here: the
    embedded reader checks that after unknown shops and duplicate ids, so it rides along
    in the row's ``_k_`` fields until those are known."""
    spec = dataclasses.replace(TABLES[name], unique=None, links_merchant=False)
    columns = [
        "_line",
        *(c.name for c in spec.columns),
        *(key for _, key, _ in KEYED.get(name, [])),
        *extras,
    ]

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for frame in batches:
            rejects, no_key = _Rejects(), _Rejects()
            extra = frame[["_line", *extras]]
            kept = _validate(spec, frame.drop(columns=extras), file, rejects, None, today)
            # extra columns stay text here: whether one is all numbers is a table-wide fact
            kept = kept[[c for c in kept.columns if c not in extras]].merge(extra, on="_line")
            for e in extras:
                kept[e] = kept[e].astype(str).str.strip()
            _put_keys(name, kept, file, no_key, region)
            yield _combined(kept, rejects, no_key, columns)

    return run


def _reject_rows(frame: DataFrame, file: str, prefix: str) -> DataFrame:
    """Rows set aside as file, line, column, reason, value, action, from the ``prefix``
    fields (``_r_`` or ``_k_``)."""
    from pyspark.sql import functions as F

    return frame.select(
        F.lit(file).alias("file"),
        F.col("_line").alias("line"),
        *(F.col(f"{prefix}{c}").alias(c) for c in ("column", "reason", "value", "action")),
    )


def _table(
    spark: SparkSession,
    name: str,
    path: str,
    region: str,
    known: DataFrame | None,
    today: pd.Timestamp,
) -> tuple[DataFrame, pd.DataFrame, SourceFile, int, DataFrame]:
    """One table read, checked and keyed: (rows kept; rows set aside, collected; its
    source; how many rows were kept; the persisted frame the rows kept are read from).

    The file is read once and goes through Python once (:func:`_rows`), into a persisted
    frame; the line numbers come from that frame's per-partition id ranges, and the
    table-wide checks (unknown shop, duplicate id) work on it in Spark. Then the checks in
    the embedded reader's order: row checks, unknown shop, duplicate id, no key left."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    file = Path(path).name
    raw = _raw(spark, path)
    spec = TABLES[name]
    missing = [c for c in spec.required if c not in raw.columns]
    if missing:
        raise InputError("required column missing", file=file, column=missing[0])
    named = {c.name for c in spec.columns}
    extras = [c for c in raw.columns if c not in named and not c.startswith("_")]
    for col in spec.columns:
        if col.name not in raw.columns:
            raw = raw.withColumn(col.name, F.lit(""))
    # the id is taken on the file's own partitions, before anything moves a row
    ided = raw.select(
        F.monotonically_increasing_id().alias("_line"),
        *(c.name for c in spec.columns),
        *(f"`{e}`" for e in extras),
    )
    passed = ided.mapInPandas(_rows(name, file, extras, today, region), _schema(name, extras))
    passed = passed.persist(StorageLevel.MEMORY_AND_DISK)
    per = to_pandas(
        passed.groupBy(F.expr("shiftright(`_line`, 33)").alias("_p")).agg(
            F.min("_line").alias("first"), F.max("_line").alias("last")
        )
    )
    bases, rows = _line_bases(per, 1 if path.endswith(".parquet") else 2)
    source = SourceFile(name, Path(path), _sha256(spark, path), rows)
    base = F.array(*(F.lit(b).cast("long") for b in bases))
    partition = F.expr("CAST(shiftright(`_line`, 33) AS INT)")
    lined = passed.withColumn("_line", F.col("_line") + F.element_at(base, partition + 1))
    row_rejects = _reject_rows(lined.filter(F.col("_r_reason").isNotNull()), file, "_r_")
    checked = lined.filter(F.col("_r_reason").isNull()).drop(*_REJECT_FIELDS)
    # The table-wide checks need the ids only. Shops not loaded and ids seen more than
    # once are rows set aside, which are collected anyway: they come to the driver and go
    # back as broadcast tables, so the rows never move (no shuffle of whole rows).
    ok = F.lit(True)
    why = F.lit(None).cast("string")
    if known is not None and spec.links_merchant:
        unknown = to_pandas(
            checked.select("merchant_id").distinct().join(known, "merchant_id", "left_anti")
        )
        if len(unknown):
            flags = spark.createDataFrame(
                unknown.assign(_unknown=True), "merchant_id string, _unknown boolean"
            )
            checked = checked.join(F.broadcast(flags), "merchant_id", "left")
            ok = F.col("_unknown").isNull()
            why = F.when(~ok, F.lit("unknown"))
    first = F.lit(None).cast("long")
    if spec.unique:
        repeated = to_pandas(
            checked.filter(ok)
            .groupBy(spec.unique)
            .agg(F.min("_line").alias("_first"), F.count("*").alias("_n"))
            .filter(F.col("_n") > 1)
            .drop("_n")
        )
        if len(repeated):
            firsts = spark.createDataFrame(repeated, f"`{spec.unique}` string, _first long")
            checked = checked.join(F.broadcast(firsts), spec.unique, "left")
            first = F.col("_first")
            dup = ok & first.isNotNull() & (F.col("_line") != first)
            why = F.when(dup, F.lit("duplicate")).otherwise(why)
    marked = checked.withColumn("_why", why).withColumn("_first", first)
    stay = F.col("_why").isNull()
    keep = stay & F.col("_k_reason").isNull()
    # one pass over the marked rows: rows kept, and whether each extra column is all
    # numbers over the rows the table-wide checks keep (as the embedded reader decides it)
    aggs: list[Any] = [F.sum(keep.cast("long")).alias("kept")]
    for i, e in enumerate(extras):
        c = F.col(f"`{e}`")
        aggs += [
            F.sum((stay & (c != "")).cast("long")).alias(f"n{2 * i}"),
            F.sum(
                (stay & (c != "") & F.expr(f"try_cast(`{e}` AS double)").isNull()).cast("long")
            ).alias(f"n{2 * i + 1}"),
        ]
    stats = marked.agg(*aggs).collect()[0]
    table_rejects = marked.filter(~stay | F.col("_k_reason").isNotNull()).select(
        F.lit(file).alias("file"),
        F.col("_line").alias("line"),
        F.when(F.col("_why") == "unknown", F.lit("merchant_id"))
        .when(F.col("_why") == "duplicate", F.lit(spec.unique))
        .otherwise(F.col("_k_column"))
        .alias("column"),
        F.when(F.col("_why") == "unknown", F.lit("unknown merchant_id"))
        .when(
            F.col("_why") == "duplicate",
            F.concat(
                F.lit(f"duplicate {spec.unique} (first on line "),
                F.col("_first").cast("string"),
                F.lit(")"),
            ),
        )
        .otherwise(F.col("_k_reason"))
        .alias("reason"),
        F.when(F.col("_why") == "unknown", F.col("merchant_id"))
        .when(F.col("_why") == "duplicate", F.col(spec.unique or "_why"))
        .otherwise(F.col("_k_value"))
        .alias("value"),
        F.when(F.col("_why").isNotNull(), F.lit(SET_ASIDE))
        .otherwise(F.col("_k_action"))
        .alias("action"),
    )
    rejects = to_pandas(row_rejects.unionByName(table_rejects))
    kept = marked.filter(keep).select(
        "_line",
        *(c.name for c in spec.columns),
        *(key for _, key, _ in KEYED.get(name, [])),
        *(f"`{e}`" for e in extras),
    )
    for i, e in enumerate(extras):
        nonempty, bad = stats[f"n{2 * i}"] or 0, stats[f"n{2 * i + 1}"] or 0
        if nonempty and not bad:
            kept = kept.withColumn(e, F.expr(f"try_cast(nullif(`{e}`, '') AS double)"))
    return kept, rejects, source, int(stats["kept"] or 0), passed


def read_dataset_spark(
    spark: SparkSession, folder: str, today: pd.Timestamp | None = None, region: str = "CN"
) -> SparkDataset:
    """Read, validate and normalize a data folder Spark can read (a local folder,
    ``s3a://``, ``hdfs://``, ``abfss://``...); dates after ``today`` are rejects. Raises
    :class:`InputError` for a missing folder, file or column, or an unreadable file, before
    anything is written."""
    if today is None:  # as the embedded reader: the date (UTC)
        today = pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()
    root, fs = _hadoop_path(spark, folder)
    if not fs.isDirectory(root):
        raise InputError("data folder not found", file=folder)
    paths = {name: _find_file(spark, folder, name) for name in TABLES}
    if paths["merchants"] is None:
        raise InputError(
            "required file missing (merchants.csv or merchants.parquet)",
            file=f"{folder.rstrip('/')}/merchants.csv",
        )
    # every required column is checked before any table is processed (headers only)
    for name, path in paths.items():
        if path is not None:
            have = _raw(spark, path).columns
            missing = [c for c in TABLES[name].required if c not in have]
            if missing:
                file = Path(path).name
                raise InputError("required column missing", file=file, column=missing[0])
    tables: dict[str, DataFrame] = {}
    sources: dict[str, SourceFile] = {}
    loaded: dict[str, int] = {}
    reject_parts: list[pd.DataFrame] = []
    persisted: list[DataFrame] = []
    known: DataFrame | None = None
    for name in TABLES:  # merchants first: the other tables are checked against them
        path = paths[name]
        if path is None:
            tables[name] = _empty(spark, name)
            continue
        frame, rejected, source, kept, rows = _table(spark, name, path, region, known, today)
        tables[name], sources[name], loaded[name] = frame, source, kept
        reject_parts.append(rejected)
        persisted.append(rows)
        if name == "merchants":
            known = frame.select("merchant_id")
    rejects = _sorted_rejects(reject_parts)
    return SparkDataset(tables, rejects, sources, loaded, persisted)


def _sorted_rejects(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Every table's rows set aside, in the embedded reader's order."""
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if out.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in REJECT_COLUMNS})
    out["line"] = out["line"].astype(np.int64)
    out = out.astype(
        {"file": object, "column": object, "reason": object, "value": object, "action": object}
    )
    return out.sort_values(["file", "line", "column"], kind="stable").reset_index(drop=True)


def _empty(spark: SparkSession, name: str) -> DataFrame:
    """A contract table with its columns (and key columns) and no rows."""
    return spark.createDataFrame([], _schema(name, [])).drop(*_REJECT_FIELDS, *_KEY_FIELDS)
