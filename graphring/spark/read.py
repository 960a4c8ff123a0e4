"""The input tables of DATA_CONTRACT read, validated and normalized as Spark DataFrames.

Row checks and canonical keys run the contract's own pandas code (``contract._validate``
and ``contract._add_keys``, so :mod:`graphring.normalize` is the one code path) over each
Arrow batch with ``mapInPandas``. What needs the whole table is done by Spark: unknown
merchant ids (an anti join on the merchants kept), duplicate ids (the first line of each id,
by window), and whether an extra column is all numbers. Rejects are few and are collected.

Line numbers: a record's line is its position in its file (header = line 1, as the
embedded reader counts), from each partition's offset: Spark reads one file's splits in
file order.
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
    _add_keys,
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


@dataclass
class SparkDataset:
    """The validated tables as Spark DataFrames (every contract column, ``_line``, key
    columns, extra columns), the rows set aside (collected: they are few) and the sources."""

    tables: dict[str, DataFrame]
    rejects: pd.DataFrame
    sources: dict[str, SourceFile] = field(default_factory=dict)
    loaded: dict[str, int] = field(default_factory=dict)

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


def _with_lines(frame: DataFrame, first_line: int) -> tuple[DataFrame, int]:
    """``_line`` beside each row, in file order, and the number of rows.

    Rows are numbered within their partition (``monotonically_increasing_id`` counts up
    from the partition's id shifted 33 bits); each partition's rows are offset by the rows
    of the partitions before it, counted in one small aggregate."""
    from pyspark.sql import functions as F

    ided = frame.select(
        "*",
        F.spark_partition_id().alias("_p"),
        F.monotonically_increasing_id().alias("_id"),
    )
    per = to_pandas(ided.groupBy("_p").agg(F.count("*").alias("n"), F.min("_id").alias("first")))
    per = per.sort_values("_p")
    offsets = pd.DataFrame(
        {
            "_p": per["_p"].astype("int32"),
            "_base": (np.cumsum(per["n"].to_numpy()) - per["n"].to_numpy() + first_line)
            - per["first"].to_numpy(),
        }
    )
    spark = frame.sparkSession
    base = spark.createDataFrame(offsets, "_p int, _base long")
    lined = ided.join(F.broadcast(base), "_p").select(
        (F.col("_id") + F.col("_base")).alias("_line"), *(f"`{c}`" for c in frame.columns)
    )
    return lined, int(per["n"].sum())


def _schema(name: str, extras: list[str], keyed: bool) -> str:
    spec = TABLES[name]
    cols = ["`_line` long"]
    cols += [f"`{c.name}` {_SPARK_TYPES.get(c.type, 'string')}" for c in spec.columns]
    if keyed:
        cols += [f"`{key}` string" for _, key, _ in KEYED.get(name, [])]
    cols += [f"`{e}` string" for e in extras]
    cols += [f"`{r}` string" for r in _REJECT_FIELDS]
    return ", ".join(cols)


def _combined(kept: pd.DataFrame, rejects: _Rejects, columns: list[str]) -> pd.DataFrame:
    """Rows kept and rows set aside in one frame (one output schema for mapInPandas)."""
    kept = arrow_ready(kept.reindex(columns=columns))
    for r in _REJECT_FIELDS:
        kept[r] = None
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


def _row_checks(
    name: str, file: str, extras: list[str], today: pd.Timestamp
) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    """The contract's checks that need one row only (table-wide ones are Spark's)."""
    spec = dataclasses.replace(TABLES[name], unique=None, links_merchant=False)
    columns = ["_line", *(c.name for c in spec.columns), *extras]

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for frame in batches:
            rejects = _Rejects()
            extra = frame[["_line", *extras]]
            kept = _validate(spec, frame.drop(columns=extras), file, rejects, None, today)
            # extra columns stay text here: whether one is all numbers is a table-wide fact
            kept = kept[[c for c in kept.columns if c not in extras]].merge(extra, on="_line")
            for e in extras:
                kept[e] = kept[e].astype(str).str.strip()
            yield _combined(kept, rejects, columns)

    return run


def _keys(
    name: str, file: str, region: str, extras: list[str]
) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    """Canonical keys by :func:`graphring.contract._add_keys` (the normalize functions)."""
    spec = TABLES[name]
    columns = [
        "_line",
        *(c.name for c in spec.columns),
        *(key for _, key, _ in KEYED.get(name, [])),
        *extras,
    ]

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for frame in batches:
            rejects = _Rejects()
            kept = _add_keys(name, frame, file, rejects, region)
            yield _combined(kept, rejects, columns)

    return run


def _split(frame: DataFrame, file: str) -> tuple[DataFrame, DataFrame]:
    """(rows kept, rows set aside as file, line, column, reason, value)."""
    from pyspark.sql import functions as F

    frame = frame.persist()
    kept = frame.filter(F.col("_r_reason").isNull()).drop(*_REJECT_FIELDS)
    rejected = frame.filter(F.col("_r_reason").isNotNull()).select(
        F.lit(file).alias("file"),
        F.col("_line").alias("line"),
        F.col("_r_column").alias("column"),
        F.col("_r_reason").alias("reason"),
        F.col("_r_value").alias("value"),
        F.col("_r_action").alias("action"),
    )
    return kept, rejected


def _table(
    spark: SparkSession,
    name: str,
    path: str,
    region: str,
    known: DataFrame | None,
    today: pd.Timestamp,
) -> tuple[DataFrame, list[DataFrame], SourceFile]:
    from pyspark.sql import Window
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
    lined, rows = _with_lines(raw, 1 if path.endswith(".parquet") else 2)
    source = SourceFile(name, Path(path), _sha256(spark, path), rows)
    checked = lined.select("_line", *(c.name for c in spec.columns), *(f"`{e}`" for e in extras))
    kept, rejected = _split(
        checked.mapInPandas(_row_checks(name, file, extras, today), _schema(name, extras, False)),
        file,
    )
    rejects = [rejected]
    if known is not None and spec.links_merchant:
        unknown = kept.join(known, "merchant_id", "left_anti")
        rejects.append(
            unknown.select(
                F.lit(file).alias("file"),
                F.col("_line").alias("line"),
                F.lit("merchant_id").alias("column"),
                F.lit("unknown merchant_id").alias("reason"),
                F.col("merchant_id").alias("value"),
                F.lit(SET_ASIDE).alias("action"),
            )
        )
        kept = kept.join(known, "merchant_id", "left_semi")
    if spec.unique:
        first = kept.withColumn("_first", F.min("_line").over(Window.partitionBy(spec.unique)))
        rejects.append(
            first.filter(F.col("_line") != F.col("_first")).select(
                F.lit(file).alias("file"),
                F.col("_line").alias("line"),
                F.lit(spec.unique).alias("column"),
                F.concat(
                    F.lit(f"duplicate {spec.unique} (first on line "),
                    F.col("_first").cast("string"),
                    F.lit(")"),
                ).alias("reason"),
                F.col(spec.unique).alias("value"),
                F.lit(SET_ASIDE).alias("action"),
            )
        )
        kept = first.filter(F.col("_line") == F.col("_first")).drop("_first")
    if KEYED.get(name):
        kept, rejected = _split(
            kept.select(
                "_line", *(c.name for c in spec.columns), *(f"`{e}`" for e in extras)
            ).mapInPandas(_keys(name, file, region, extras), _schema(name, extras, True)),
            file,
        )
        rejects.append(rejected)
    return _numbers(kept, extras), rejects, source


def _numbers(frame: DataFrame, extras: list[str]) -> DataFrame:
    """Extra columns whose non-empty values are all numbers become numbers (as the embedded
    reader keeps them); the others stay text."""
    from pyspark.sql import functions as F

    if not extras:
        return frame
    aggs: list[Any] = []
    for e in extras:
        c = F.col(f"`{e}`")
        aggs += [
            F.sum((c != "").cast("long")).alias(f"n{len(aggs)}"),
            F.sum(((c != "") & F.expr(f"try_cast(`{e}` AS double)").isNull()).cast("long")).alias(
                f"n{len(aggs) + 1}"
            ),
        ]
    row = frame.agg(*aggs).collect()[0]
    for i, e in enumerate(extras):
        nonempty, bad = row[2 * i] or 0, row[2 * i + 1] or 0
        if nonempty and not bad:
            frame = frame.withColumn(e, F.expr(f"try_cast(nullif(`{e}`, '') AS double)"))
    return frame


def read_dataset_spark(
    spark: SparkSession, folder: str, today: pd.Timestamp | None = None, region: str = "CN"
) -> SparkDataset:
    """Read, validate and normalize a data folder Spark can read (a local folder,
    ``s3a://``, ``hdfs://``, ``abfss://``...); dates after ``today`` are rejects. Raises
    :class:`InputError` for a missing folder, file or column, or an unreadable file, before
    anything is written."""
    from pyspark import StorageLevel

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
    # every required column is checked before any table is processed
    tables: dict[str, DataFrame] = {}
    sources: dict[str, SourceFile] = {}
    reject_parts: list[DataFrame] = []
    merchants, parts, source = _table(spark, "merchants", paths["merchants"], region, None, today)
    merchants = merchants.persist(StorageLevel.MEMORY_AND_DISK)
    tables["merchants"], sources["merchants"] = merchants, source
    reject_parts += parts
    known = merchants.select("merchant_id")
    for name in TABLES:
        if name == "merchants":
            continue
        path = paths[name]
        if path is None:
            tables[name] = _empty(spark, name)
            continue
        frame, parts, source = _table(spark, name, path, region, known, today)
        tables[name] = frame.persist(StorageLevel.MEMORY_AND_DISK)
        sources[name] = source
        reject_parts += parts
    loaded = {name: tables[name].count() for name in sources}
    rejects = _collect_rejects(reject_parts)
    return SparkDataset(tables=tables, rejects=rejects, sources=sources, loaded=loaded)


def _collect_rejects(parts: list[DataFrame]) -> pd.DataFrame:
    """Every table's rows set aside, in one job."""
    union = parts[0]
    for part in parts[1:]:
        union = union.unionByName(part)
    out = to_pandas(union)
    if out.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in REJECT_COLUMNS})
    out["line"] = out["line"].astype(np.int64)
    out = out.astype(
        {"file": object, "column": object, "reason": object, "value": object, "action": object}
    )
    return out.sort_values(["file", "line", "column"], kind="stable").reset_index(drop=True)


def _empty(spark: SparkSession, name: str) -> DataFrame:
    """A contract table with its columns (and key columns) and no rows."""
    return spark.createDataFrame([], _schema(name, [], True)).drop(*_REJECT_FIELDS)
