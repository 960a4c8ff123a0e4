"""Connected components as DataFrame operations: the alternating large-star / small-star
algorithm (Kiveris et al., "Connected Components in MapReduce and Beyond", 2014), the one
GraphFrames runs, without its JAR.

Each round is two joins of the edge list with per-node minima; the edges converge to stars
centred on each component's smallest node in O(log² n) rounds (a handful in practice).
Each round's edges are checkpointed locally, so the plan does not grow with the rounds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

#: Rounds after which the run stops with an error rather than loop on (never reached:
#: log² of a billion nodes is about 900, the rounds needed are far fewer).
MAX_ROUNDS = 100


def _large_star(edges: DataFrame) -> DataFrame:
    """Each node links its larger neighbours to the smallest of its neighbourhood."""
    from pyspark.sql import functions as F

    both = edges.select("src", "dst").union(edges.select(F.col("dst").alias("src"), "src"))
    low = both.groupBy("src").agg(F.least(F.min("dst"), F.col("src")).alias("m"))
    return (
        both.join(low, "src")
        .filter(F.col("dst") > F.col("src"))
        .select(F.col("dst").alias("src"), F.col("m").alias("dst"))
        .distinct()
    )


def _small_star(edges: DataFrame) -> DataFrame:
    """Each node links itself and its smaller neighbours to the smallest of them."""
    from pyspark.sql import functions as F

    down = edges.select(
        F.greatest("src", "dst").alias("src"), F.least("src", "dst").alias("dst")
    ).filter(F.col("src") != F.col("dst"))
    low = down.groupBy("src").agg(F.min("dst").alias("m"))
    spokes = down.join(low, "src")
    return (
        spokes.select(F.col("dst").alias("src"), "m")
        .union(spokes.select("src", "m"))
        .filter(F.col("src") != F.col("m"))
        .select("src", F.col("m").alias("dst"))
        .distinct()
    )


def connected_components(edges: DataFrame) -> DataFrame:
    """``edges`` (src, dst: long node ids) -> (node, component): every node that has an
    edge, with the smallest node id of its component."""
    from pyspark.sql import functions as F

    current = (
        edges.select(F.greatest("src", "dst").alias("src"), F.least("src", "dst").alias("dst"))
        .filter(F.col("src") != F.col("dst"))
        .distinct()
        .localCheckpoint()
    )
    previous: tuple[int, int, int] | None = None
    for _ in range(MAX_ROUNDS):
        current = _small_star(_large_star(current)).localCheckpoint()
        # the edge set as a count and two hash sums (each term under 2^31: no overflow)
        row = current.agg(
            F.count("*").alias("n"),
            F.sum(F.pmod(F.xxhash64("src", "dst"), F.lit(2147483647))).alias("h"),
            F.sum(F.pmod(F.hash("dst", "src"), F.lit(2147483647))).alias("g"),
        ).collect()[0]
        state = (int(row["n"]), int(row["h"] or 0), int(row["g"] or 0))
        if state == previous:
            break
        previous = state
    else:  # pragma: no cover - see MAX_ROUNDS
        raise RuntimeError("connected components did not converge")
    # a star: every non-root node points at its root; roots point nowhere
    roots = current.select(F.col("dst").alias("node")).distinct()
    return current.select(F.col("src").alias("node"), F.col("dst").alias("component")).union(
        roots.select("node", F.col("node").alias("component"))
    )
