"""The merchant graph on Spark: holdings, shared identifiers, components, links and rings.

Holdings and identifier counts are DataFrame aggregations; identifiers held by more shops
than the supernode cap link nobody and are set aside here, so no join below grows past
the cap. Components are found on the shop–identifier graph of the identifiers two or more
shops share (:mod:`graphring.spark.components`); whole components are then dealt into
groups, and each group is linked and cut by ``applyInPandas`` calling the embedded store's
own functions, :func:`graphring.linking.build_links` and :func:`graphring.detect.detect_rings`.
A component holds every shop of every identifier it holds, so an identifier's holders (and
its rarity) inside its group are the marketplace's: the links and rings are the same as
one process makes of the whole graph. Only rings and what explains them reach the driver.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from graphring.config import Settings
from graphring.detect import detect_rings
from graphring.linking import build_links
from graphring.spark.components import connected_components
from graphring.spark.session import arrow_ready

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

#: What one group's pandas pass returns, one schema for several kinds of row (``part``).
CUT_SCHEMA = (
    "part string, merchant_id string, grp long, core boolean, a string, b string, "
    "weight double, shared long, kinds string, tie double, kind string, key string, role string, "
    "shipments long, holders long, rarity double, components long"
)
_CUT_COLUMNS = [c.split()[0] for c in CUT_SCHEMA.split(", ")]


def holdings(tables: dict[str, DataFrame]) -> DataFrame:
    """:data:`graphring.stores.base.HOLDING_COLUMNS` (as the memory store derives them):
    one row per (merchant, kind, key, role), with parcels sent from it."""
    from pyspark.sql import functions as F

    a, s = tables["addresses"], tables["shipments"]
    p, i = tables["payment_accounts"], tables["identifiers"]
    zero = F.lit(0).cast("long")
    parts = [
        a.select("merchant_id", F.lit("address").alias("kind"), "key", "role", zero.alias("n")),
        s.select(
            "merchant_id",
            F.lit("address").alias("kind"),
            F.col("origin_key").alias("key"),
            F.lit("origin").alias("role"),
            F.lit(1).cast("long").alias("n"),
        ),
        s.filter(F.col("sender_phone_key") != "").select(
            "merchant_id",
            F.lit("phone").alias("kind"),
            F.col("sender_phone_key").alias("key"),
            F.lit("").alias("role"),
            zero.alias("n"),
        ),
        p.select(
            "merchant_id", F.lit("account").alias("kind"), "key", F.lit("").alias("role"), zero
        ),
        i.select("merchant_id", "kind", "key", F.lit("").alias("role"), zero.alias("n")),
    ]
    union = parts[0]
    for part in parts[1:]:
        union = union.unionByName(part.toDF(*union.columns))
    return (
        union.withColumn("role", F.coalesce("role", F.lit("")))
        .groupBy("merchant_id", "kind", "key", "role")
        .agg(F.sum("n").cast("long").alias("shipments"))
    )


def identifier_counts(held: DataFrame, cap: int) -> DataFrame:
    """kind, key, holders, supernode: one row per identifier two or more shops hold."""
    from pyspark.sql import functions as F

    return (
        held.filter(F.col("key") != "")
        .groupBy("kind", "key")
        .agg(F.countDistinct("merchant_id").alias("holders"))
        .filter(F.col("holders") >= 2)
        .withColumn("supernode", F.col("holders") > cap)
    )


@dataclass
class SparkGraph:
    """What linking and cutting leave on Spark (nothing here is collected)."""

    #: merchant_id, grp, core, bucket: the shops of candidate rings (group numbers local
    #: to their bucket)
    members: DataFrame
    #: a, b, weight, shared, kinds: every link
    edges: DataFrame
    #: merchant_id, kind, key, role, shipments, holders, rarity: each shop's shared
    #: identifiers (supernodes left out)
    memberships: DataFrame
    #: kind, key, holders of each supernode
    supernodes: DataFrame
    #: connected components of three or more linked shops
    components: int


def buckets_for(spark_parallelism: int) -> int:
    """How many groups whole components are dealt into: a few per core, so that each
    pandas pass is big enough to pay for itself and small enough to spread."""
    return max(4, 4 * spark_parallelism)


def link_and_cut(held: DataFrame, n_merchants: int, settings: Settings, buckets: int) -> SparkGraph:
    """Links and candidate rings of the whole marketplace, group by group."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    ids = identifier_counts(held, settings.supernode_max_merchants).persist(
        StorageLevel.MEMORY_AND_DISK
    )
    supernodes = ids.filter("supernode").select("kind", "key", "holders")
    shared = ids.filter(~F.col("supernode")).select("kind", "key")
    # holdings of identifiers that can link: shared by 2+ shops, under the supernode cap
    usable = held.join(shared, ["kind", "key"], "left_semi")
    usable = usable.withColumn("_m", F.xxhash64("merchant_id")).withColumn(
        "_i", F.xxhash64("kind", "key")
    )
    # hash ids: two nodes with one hash only put two components in one group, which
    # changes nothing (groups are cut component by component)
    comp = connected_components(usable.select(F.col("_m").alias("src"), F.col("_i").alias("dst")))
    grouped = (
        usable.join(comp.withColumnRenamed("node", "_m"), "_m")
        .withColumn("bucket", F.pmod(F.col("component"), F.lit(buckets)))
        .select("bucket", "merchant_id", "kind", "key", "role", "shipments")
    )
    cut_settings = dataclasses.replace(settings, workers=1)

    def cut(frame: pd.DataFrame) -> pd.DataFrame:
        return _cut_group(frame, n_merchants, cut_settings)

    out = (
        grouped.groupBy("bucket")
        .applyInPandas(_with_bucket(cut), f"bucket long, {CUT_SCHEMA}")
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    members = out.filter(F.col("part") == "member").select("merchant_id", "grp", "core", "bucket")
    edges = out.filter(F.col("part") == "edge").select("a", "b", "weight", "shared", "kinds", "tie")
    memberships = out.filter(F.col("part") == "membership").select(
        "merchant_id", "kind", "key", "role", "shipments", "holders", "rarity"
    )
    components = out.filter(F.col("part") == "components").agg(F.sum("components")).collect()[0][0]
    return SparkGraph(members, edges, memberships, supernodes, int(components or 0))


def _with_bucket(
    fn: Callable[[pd.DataFrame], pd.DataFrame],
) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def run(frame: pd.DataFrame) -> pd.DataFrame:
        bucket = int(frame["bucket"].iloc[0])
        out = fn(frame.drop(columns="bucket"))
        out.insert(0, "bucket", bucket)
        return out

    return run


def _cut_group(frame: pd.DataFrame, n_merchants: int, settings: Settings) -> pd.DataFrame:
    """Link and cut the whole components of one group, as the embedded store does."""
    h = frame.sort_values(["merchant_id", "kind", "key", "role"], kind="stable").reset_index(
        drop=True
    )
    links = build_links(h, n_merchants, settings)
    partition = detect_rings(pd.Series(np.sort(h["merchant_id"].unique())), links.edges, settings)
    m = partition.members
    ms = links.memberships.merge(links.identifiers, on="node")
    parts = [
        pd.DataFrame(
            {
                "part": "member",
                "merchant_id": m["merchant_id"],
                "grp": m["group"].astype(np.int64),
                "core": m["core"].astype(bool),
            }
        ),
        pd.DataFrame(
            {
                "part": "edge",
                "a": links.edges["a"],
                "b": links.edges["b"],
                "weight": links.edges["weight"],
                "shared": links.edges["shared"],
                "kinds": links.edges["kinds"],
                "tie": links.edges["tie"],
            }
        ),
        pd.DataFrame(
            {
                "part": "membership",
                "merchant_id": ms["merchant_id"],
                "kind": ms["kind"],
                "key": ms["key"],
                "role": ms["role"],
                "shipments": ms["shipments"],
                "holders": ms["holders"],
                "rarity": ms["rarity"],
            }
        ),
        pd.DataFrame({"part": ["components"], "components": [partition.components]}),
    ]
    return arrow_ready(
        pd.concat([p.reindex(columns=_CUT_COLUMNS) for p in parts], ignore_index=True)
    )
