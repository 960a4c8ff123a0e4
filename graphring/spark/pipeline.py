"""The whole job on Spark, step for step the embedded pipeline's (:mod:`graphring.pipeline`).

Distributed: reading, validation and keys, holdings, identifier counts, components, links
and cutting (per group of whole components), shop risk (per group of shops). On the
driver: the rings and what explains them, which the embedded pipeline's own functions
score, name and rank; the whole graph never comes back to it. What the driver collects,
and roughly how big it is, is listed in docs/spark.md.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from graphring.config import Settings
from graphring.detect import Partition, choose_engine
from graphring.leads import SITE_ROLES, find_leads, site_holdings
from graphring.linking import Links
from graphring.pipeline import (
    PreviousRun,
    RunResult,
    _Clock,
    _run_id,
    rings_from,
    run_counts,
    run_date,
)
from graphring.scoring import merchant_risk
from graphring.spark.graph import (
    SparkGraph,
    add_places_on_spark,
    buckets_for,
    holdings,
    link_and_cut,
)
from graphring.spark.read import read_dataset_spark
from graphring.spark.session import arrow_ready, to_pandas
from graphring.stores.base import (
    ADDRESS_COLUMNS,
    HOLDING_COLUMNS,
    LISTING_COLUMNS,
    MERCHANT_COLUMNS,
    SHIPMENT_COLUMNS,
    finish_addresses,
    sort_frame,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

RISK_SCHEMA = (
    "part string, merchant_id string, risk_score double, reasons string, points double, text string"
)


log = logging.getLogger("graphring")


def _risk_on_spark(
    merchants: DataFrame, listings: DataFrame, today: pd.Timestamp, buckets: int
) -> DataFrame:
    """:func:`graphring.scoring.merchant_risk` over groups of shops (a shop's risk needs
    only its own storefront and listings)."""
    from pyspark.sql import functions as F

    m = merchants.select(*MERCHANT_COLUMNS).withColumn(
        "_b", F.pmod(F.xxhash64("merchant_id"), F.lit(buckets))
    )
    lst = listings.select(*LISTING_COLUMNS).withColumn(
        "_b", F.pmod(F.xxhash64("merchant_id"), F.lit(buckets))
    )

    def score(shops: pd.DataFrame, shop_listings: pd.DataFrame) -> pd.DataFrame:
        shops = shops.drop(columns="_b").sort_values("merchant_id").reset_index(drop=True)
        # in the stores' order: a shop's first mismatched listing is quoted in its reason
        shop_listings = sort_frame(shop_listings.drop(columns="_b"), ["listing_id"])
        scores, reasons = merchant_risk(shops, shop_listings, today)
        both = pd.concat(
            [scores.assign(part="score"), reasons.assign(part="reason")], ignore_index=True
        )
        return arrow_ready(both.reindex(columns=[c.split()[0] for c in RISK_SCHEMA.split(", ")]))

    return m.groupBy("_b").cogroup(lst.groupBy("_b")).applyInPandas(score, RISK_SCHEMA)


def _ids_frame(spark: SparkSession, ids: Sequence[str]) -> DataFrame:
    return spark.createDataFrame(pd.DataFrame({"merchant_id": list(ids)}), "merchant_id string")


def run_on_spark(
    data_dir: str | Path,
    settings: Settings,
    spark: SparkSession,
    previous: PreviousRun | None = None,
    excluded: pd.DataFrame | None = None,
    feedback: Mapping[str, float] | None = None,
) -> RunResult:
    """:func:`graphring.pipeline.run_pipeline` on a Spark session: the same RunResult,
    with the tables the packets draw on holding the ring members' rows only."""
    from datetime import UTC, datetime

    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    # run.json names the master the run had (spark-submit's or a notebook's, when it set it)
    settings = settings.replace(spark_master=spark.sparkContext.master)
    clock = _Clock()
    today, today_from = run_date(settings)
    dataset = read_dataset_spark(spark, str(data_dir), today, settings.default_region)
    t = dataset.tables
    clock.lap("read_validate_normalize")
    held = holdings(t).persist(StorageLevel.MEMORY_AND_DISK)
    n_merchants = dataset.loaded["merchants"]
    loaded = _node_counts(t, held, n_merchants)
    clock.lap("load")
    buckets = buckets_for(spark.sparkContext.defaultParallelism, n_merchants)
    places, read_held = 0, held
    if settings.match_places:
        # the same premises spelled apart: one weaker "place" identifier (graphring/places.py)
        held, places = add_places_on_spark(held, buckets)
    graph = link_and_cut(held, n_merchants, settings, buckets, feedback)
    clock.lap("link")
    # candidate rings: their shops are few; group numbers made global as detect_rings
    # numbers them (by each group's smallest member)
    m = to_pandas(graph.members)
    first = m.groupby(["bucket", "grp"])["merchant_id"].transform("min")
    m["group"] = pd.factorize(first, sort=True)[0]
    members = m.sort_values(["group", "merchant_id"], kind="stable")[
        ["merchant_id", "group", "core"]
    ].reset_index(drop=True)
    partition = Partition(
        members=members, engine=choose_engine(settings.engine), components=graph.components
    )
    clock.lap("detect")

    risk_all = _risk_on_spark(t["merchants"], t["listings"], today, buckets).persist(
        StorageLevel.MEMORY_AND_DISK
    )
    risk = to_pandas(
        risk_all.filter(F.col("part") == "score").select("merchant_id", "risk_score", "reasons")
    )
    risk = sort_frame(risk, ["merchant_id"])
    shops = sorted(set(members["merchant_id"]))
    shop_ids = F.broadcast(_ids_frame(spark, shops))
    risk_reasons = to_pandas(
        risk_all.filter(F.col("part") == "reason")
        .join(shop_ids, "merchant_id", "left_semi")
        .select("merchant_id", "points", "text")
    )
    risk_reasons = risk_reasons.sort_values(
        ["merchant_id", "points"], ascending=[True, False], kind="stable"
    ).reset_index(drop=True)
    wanted = set(shops).union(*(previous.rings.values() if previous else []))
    merchants = _merchants(t["merchants"], F.broadcast(_ids_frame(spark, sorted(wanted))))
    links = _ring_links(graph, shop_ids, settings)
    ring_listings = sort_frame(
        to_pandas(t["listings"].join(shop_ids, "merchant_id", "left_semi"))[LISTING_COLUMNS],
        ["listing_id"],
    )
    cut = rings_from(partition, links, merchants, ring_listings, risk, previous, excluded, settings)
    core, rings, reasons = cut.core, cut.rings, cut.reasons
    members_table, evidence, merchant_table = cut.members, cut.evidence, cut.merchant_table
    changes = cut.changes
    clock.lap("score")

    supernodes = links.supernodes
    core_ids = F.broadcast(_ids_frame(spark, sorted(set(core["merchant_id"]))))
    site_rows = _site_rows(held, core_ids, supernodes)
    sites = site_holdings(
        site_rows,
        core[["ring_id", "merchant_id"]],
        set(supernodes.loc[supernodes["kind"] == "address", "key"]),
    )
    leads = find_leads(
        sites,
        core[["ring_id", "merchant_id"]],
        rings,
        _addresses(spark, t, sorted(sites["key"].unique())),
    )
    clock.lap("leads")
    run_id = _run_id(started)
    clock.lap("write_back")
    counts = run_counts(
        dataset.counts(),
        loaded,
        int(graph.edges.count()),
        places,
        partition.components,
        rings,
        dataset,
    )
    ring_shops = _ids_frame(spark, shops)
    tables = {
        "merchants": merchants.loc[merchants["merchant_id"].isin(shops)].reset_index(drop=True),
        "listings": ring_listings,
        "shipments": sort_frame(
            to_pandas(t["shipments"].join(F.broadcast(ring_shops), "merchant_id", "left_semi"))[
                SHIPMENT_COLUMNS
            ],
            ["shipment_id"],
        ),
        "holdings": sort_frame(
            to_pandas(held.join(F.broadcast(ring_shops), "merchant_id", "left_semi"))[
                HOLDING_COLUMNS
            ],
            ["merchant_id", "kind", "key", "role"],
        ),
    }
    for frame in [read_held, risk_all]:
        frame.unpersist()
    dataset.unpersist()
    return RunResult(
        run_id=run_id,
        started=started,
        settings=settings,
        rings=rings,
        members=members_table,
        ring_reasons=reasons,
        merchants=merchant_table,
        merchant_reasons=risk_reasons,
        evidence=evidence,
        leads=leads,
        supernodes=supernodes,
        rejects=dataset.rejects,
        counts=counts,
        sources=dataset.sources,
        engine=partition.engine,
        timings=clock.timings,
        tables=tables,
        links=links,
        changes=changes,
        today={"date": f"{today:%Y-%m-%d}", "from": today_from},
        excluded=cut.excluded,
        services=graph.services,
    )


def _node_counts(t: dict[str, DataFrame], held: DataFrame, n_merchants: int) -> dict[str, int]:
    """Node counts by label, as :meth:`MemoryStore.load` gives them."""
    from pyspark.sql import functions as F

    kind = F.col("kind")
    row = (
        held.select("kind", "key")
        .distinct()
        .agg(
            F.sum((kind == "address").cast("long")).alias("Address"),
            F.sum((kind == "account").cast("long")).alias("Account"),
            F.sum((~kind.isin("address", "account")).cast("long")).alias("Identifier"),
        )
        .collect()[0]
    )
    return {
        "Merchant": n_merchants,
        "Address": int(row["Address"] or 0),
        "Account": int(row["Account"] or 0),
        "Identifier": int(row["Identifier"] or 0),
        "Shipment": int(t["shipments"].count()),
        "Listing": int(t["listings"].count()),
    }


def _merchants(frame: DataFrame, ids: DataFrame) -> pd.DataFrame:
    """The merchants table (contract columns, then extra ones sorted) of ``ids``."""
    m = to_pandas(frame.join(ids, "merchant_id", "left_semi").drop("_line"))
    extra = sorted(c for c in m.columns if c not in MERCHANT_COLUMNS)
    return sort_frame(m[MERCHANT_COLUMNS + extra], ["merchant_id"])


def _ring_links(graph: SparkGraph, shops: DataFrame, settings: Settings) -> Links:
    """The links and shared identifiers among the shops of candidate rings, numbered as
    :func:`graphring.linking.build_links` numbers them (identifiers in kind, key order),
    with the supernodes."""
    edges = to_pandas(
        graph.edges.join(shops.withColumnRenamed("merchant_id", "a"), "a", "left_semi").join(
            shops.withColumnRenamed("merchant_id", "b"), "b", "left_semi"
        )
    )
    edges = sort_frame(edges[["a", "b", "weight", "shared", "kinds", "tie"]], ["a", "b"])
    ms = to_pandas(graph.memberships.join(shops, "merchant_id", "left_semi"))
    sn = to_pandas(graph.supernodes)
    shared = (
        ms[["kind", "key", "holders", "rarity"]]
        .drop_duplicates(["kind", "key"])
        .assign(supernode=False)
    )
    hubs = sn.assign(rarity=np.nan, supernode=True)
    ids = sort_frame(pd.concat([shared, hubs], ignore_index=True), ["kind", "key"])
    ids.insert(0, "node", np.arange(len(ids)))
    ids["holders"] = ids["holders"].astype(np.int64)
    node = ids.set_index(["kind", "key"])["node"]
    ms["node"] = node.reindex(pd.MultiIndex.from_frame(ms[["kind", "key"]])).to_numpy()
    memberships = sort_frame(
        ms[["node", "merchant_id", "role", "shipments"]].assign(w=np.nan), ["node", "merchant_id"]
    )
    return Links(edges=edges, identifiers=ids, memberships=memberships, weights=graph.weights)


def _site_rows(held: DataFrame, core_ids: DataFrame, supernodes: pd.DataFrame) -> pd.DataFrame:
    """Holdings of the physical sites a ring shop uses, by every shop that uses them."""
    from pyspark.sql import functions as F

    sites = held.filter((F.col("kind") == "address") & F.col("role").isin(*SITE_ROLES))
    hubs = supernodes.loc[supernodes["kind"] == "address", "key"].tolist()
    if hubs:
        sites = sites.filter(~F.col("key").isin(*hubs))
    keys = sites.join(core_ids, "merchant_id", "left_semi").select("key").distinct()
    rows = to_pandas(sites.join(keys, "key", "left_semi"))[HOLDING_COLUMNS]
    return sort_frame(rows, ["merchant_id", "kind", "key", "role"])


def _addresses(spark: SparkSession, t: dict[str, DataFrame], keys: list[str]) -> pd.DataFrame:
    """:meth:`Store.addresses` of ``keys``: their written forms, places and coordinates."""
    from pyspark.sql import functions as F

    if not keys:
        return finish_addresses(pd.DataFrame({c: pd.Series(dtype=object) for c in ADDRESS_COLUMNS}))
    wanted = F.broadcast(spark.createDataFrame(pd.DataFrame({"key": keys}), "key string"))
    a = t["addresses"].join(wanted, "key", "left_semi").select(*ADDRESS_COLUMNS)
    s = (
        t["shipments"]
        .join(wanted.withColumnRenamed("key", "origin_key"), "origin_key", "left_semi")
        .select(
            F.col("origin_key").alias("key"),
            F.col("origin").alias("address"),
            F.lit("").alias("province"),
            F.lit("").alias("city"),
            F.lit(None).cast("double").alias("lat"),
            F.lit(None).cast("double").alias("lon"),
        )
    )
    return finish_addresses(to_pandas(a.unionByName(s)))
