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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from graphring.calibrate import calibrate_weights
from graphring.config import Settings
from graphring.detect import detect_rings
from graphring.linking import build_links, link_weight_label
from graphring.places import match_places, place_blocks
from graphring.spark.components import connected_components
from graphring.spark.session import arrow_ready, to_pandas

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

#: What one group's pandas pass returns, one schema for several kinds of row (``part``).
CUT_SCHEMA = (
    "part string, merchant_id string, grp long, core boolean, a string, b string, "
    "weight double, shared long, kinds string, tie double, kind string, key string, role string, "
    "shipments long, holders long, rarity double, components long, cohesion double, "
    "weight_factor double"
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


def add_places_on_spark(held: DataFrame, buckets: int) -> tuple[DataFrame, int]:
    """:func:`graphring.places.add_places` on Spark: the addresses' blocks found per batch,
    whole blocks dealt into ``buckets`` groups and each group matched by
    :func:`graphring.places.match_places` (no place spans two blocks, so this finds the
    places of the whole marketplace). Returns the holdings with a ``place`` holding beside
    each address holding that joins another spelling, and how many places were found."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    addr = held.filter(F.col("kind") == "address")

    def blocks(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for frame in batches:
            yield arrow_ready(frame.assign(block=place_blocks(frame["key"]).to_numpy()))

    def match(frame: pd.DataFrame) -> pd.DataFrame:
        # text even when no place is found (an empty frame's columns are floats)
        return match_places(frame["key"])[["key", "place"]].astype(object)

    merges = (
        addr.select("key")
        .distinct()
        .mapInPandas(blocks, "key string, block string")
        .filter(F.col("block") != "")
        .withColumn("_b", F.pmod(F.xxhash64("block"), F.lit(buckets)))
        .groupBy("_b")
        .applyInPandas(match, "key string, place string")
        .localCheckpoint(storageLevel=StorageLevel.MEMORY_AND_DISK)
    )
    places = int(merges.select("place").distinct().count())
    extra = addr.join(merges, "key").select(
        "merchant_id",
        F.lit("place").alias("kind"),
        F.col("place").alias("key"),
        "role",
        "shipments",
    )
    # checkpointed: the plans below refer to the holdings several times, and a plan's text
    # (which Spark builds for each query) would repeat the whole read for each reference
    return held.unionByName(extra).localCheckpoint(
        storageLevel=StorageLevel.MEMORY_AND_DISK
    ), places


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
    #: the kind weights links used (:func:`graphring.calibrate.calibrate_weights` over
    #: the whole marketplace)
    weights: pd.DataFrame
    #: identifiers recognised as services: kind, key, holders, cohesion, weight_factor
    services: pd.DataFrame


#: Shops per group at most (on average): a pandas pass over a group's addresses (places)
#: or holdings (links, cutting) must fit one Python worker. At 1M shops on two cores the
#: 8 groups of 125,000 shops peaked at 1.7 GB for the workers together.
SHOPS_PER_GROUP = 125_000


def buckets_for(spark_parallelism: int, shops: int = 0) -> int:
    """How many groups whole components (and place blocks, and shops for their risk) are
    dealt into: a few per core, so that each pandas pass is big enough to pay for itself
    and small enough to spread, and more as the marketplace grows, so that one group's
    pandas work stays the size it has at a million shops (a worker's memory bounds it)."""
    return max(4, 4 * spark_parallelism, -(-shops // SHOPS_PER_GROUP))


def link_and_cut(
    held: DataFrame,
    n_merchants: int,
    settings: Settings,
    buckets: int,
    feedback: Mapping[str, float] | None = None,
) -> SparkGraph:
    """Links and candidate rings of the whole marketplace, group by group, with kind
    weights calibrated on the whole marketplace (and ``feedback``'s verdicts)."""
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
        .localCheckpoint(storageLevel=StorageLevel.MEMORY_AND_DISK)
    )
    cut_settings = dataclasses.replace(settings, workers=1)
    table = kind_weights(held, supernodes, grouped, n_merchants, cut_settings, feedback)
    by_label = table.set_index("label")

    def weigh(labels: Sequence[str], holders: np.ndarray, chance: np.ndarray) -> pd.DataFrame:
        return by_label.loc[list(labels)].reset_index()

    def cut(frame: pd.DataFrame) -> pd.DataFrame:
        return _cut_group(frame, n_merchants, cut_settings, weigh)

    out = (
        grouped.groupBy("bucket")
        .applyInPandas(_with_bucket(cut), f"bucket long, {CUT_SCHEMA}")
        .localCheckpoint(storageLevel=StorageLevel.MEMORY_AND_DISK)
    )
    members = out.filter(F.col("part") == "member").select("merchant_id", "grp", "core", "bucket")
    edges = out.filter(F.col("part") == "edge").select("a", "b", "weight", "shared", "kinds", "tie")
    memberships = out.filter(F.col("part") == "membership").select(
        "merchant_id", "kind", "key", "role", "shipments", "holders", "rarity"
    )
    components = out.filter(F.col("part") == "components").agg(F.sum("components")).collect()[0][0]
    services = to_pandas(
        out.filter(F.col("part") == "service").select(
            "kind", "key", "holders", "cohesion", "weight_factor"
        )
    )
    services = services.sort_values(["kind", "key"], kind="stable").reset_index(drop=True)
    return SparkGraph(
        members, edges, memberships, supernodes, int(components or 0), table, services
    )


def kind_weights(
    held: DataFrame,
    supernodes: DataFrame,
    grouped: DataFrame,
    n_merchants: int,
    settings: Settings,
    feedback: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """:func:`graphring.calibrate.calibrate_weights` over the whole marketplace, counted as
    :func:`graphring.linking.build_links` counts it: each label's holders (one per
    identifier and shop, under the shop's strongest role; supernodes left out) by a
    DataFrame aggregation, and the shops sharing only that kind with someone group by
    group (a shop's pairs all lie in its component, so the groups' counts add up)."""
    from pyspark.sql import functions as F

    kr = to_pandas(held.filter(F.col("key") != "").select("kind", "role").distinct())
    kr["label"] = link_weight_label(kr["kind"], kr["role"]).to_numpy()
    kr["w"] = [-settings.kind_weight(x) for x in kr["label"]]
    labels = sorted(set(kr["label"]))
    spark = held.sparkSession
    strongest = (
        held.filter(F.col("key") != "")
        .join(F.broadcast(spark.createDataFrame(arrow_ready(kr))), ["kind", "role"])
        .groupBy("kind", "key", "merchant_id")
        .agg(F.min(F.struct("w", "role", "label")).alias("s"))
        .join(F.broadcast(supernodes.select("kind", "key")), ["kind", "key"], "left_anti")
    )
    holders = to_pandas(strongest.groupBy(F.col("s.label").alias("label")).count())
    holders = holders.set_index("label")["count"].reindex(labels, fill_value=0)

    def count(frame: pd.DataFrame) -> pd.DataFrame:
        seen: dict[str, np.ndarray] = {}

        def keep(lab: Sequence[str], held_: np.ndarray, chance: np.ndarray) -> pd.DataFrame:
            seen["labels"], seen["chance"] = np.asarray(lab, dtype=object), chance
            return calibrate_weights(lab, held_, chance, settings)

        h = frame.drop(columns="bucket").sort_values(
            ["merchant_id", "kind", "key", "role"], kind="stable"
        )
        build_links(h.reset_index(drop=True), n_merchants, settings, weigh=keep)
        return arrow_ready(
            pd.DataFrame({"label": seen["labels"], "chance": seen["chance"].astype(np.int64)})
        )

    chance = to_pandas(
        grouped.groupBy("bucket")
        .applyInPandas(count, "label string, chance long")
        .groupBy("label")
        .agg(F.sum("chance").alias("chance"))
    )
    chance = chance.set_index("label")["chance"].reindex(labels, fill_value=0)
    return calibrate_weights(labels, holders.to_numpy(), chance.to_numpy(), settings, feedback)


def _with_bucket(
    fn: Callable[[pd.DataFrame], pd.DataFrame],
) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def run(frame: pd.DataFrame) -> pd.DataFrame:
        bucket = int(frame["bucket"].iloc[0])
        out = fn(frame.drop(columns="bucket"))
        out.insert(0, "bucket", bucket)
        return out

    return run


def _cut_group(
    frame: pd.DataFrame,
    n_merchants: int,
    settings: Settings,
    weigh: Callable[[Sequence[str], np.ndarray, np.ndarray], pd.DataFrame],
) -> pd.DataFrame:
    """Link and cut the whole components of one group, as the embedded store does."""
    h = frame.sort_values(["merchant_id", "kind", "key", "role"], kind="stable").reset_index(
        drop=True
    )
    links = build_links(h, n_merchants, settings, weigh=weigh)
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
        links.services.assign(part="service"),
    ]
    return arrow_ready(
        pd.concat([p.reindex(columns=_CUT_COLUMNS) for p in parts], ignore_index=True)
    )
