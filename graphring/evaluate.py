"""How well a run recovers planted rings: the figures the quality tests and the README use.

A planted counterfeit ring is recovered when one reported ring has Jaccard >= 0.8 with it.
A reported ring counts as counterfeit when most of its members come from planted
counterfeit rings; rings are ranked by score for average precision.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

# imported when used: ``graphring.evaluate`` is imported with the package (its name is
# also the function's), which should not wait for pandas
if TYPE_CHECKING:
    import pandas as pd

    from graphring.pipeline import RunResult


@dataclass(frozen=True)
class Quality:
    planted: int
    recovered: int
    recall: float
    average_precision: float
    rings_at_50: int
    precision_at_50: float
    rings: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def evaluate(result: RunResult, truth: pd.DataFrame, jaccard: float = 0.8) -> Quality:
    core = result.members.loc[result.members["core"]]
    found = core.groupby("ring_id")["merchant_id"].apply(frozenset)
    fake = truth.loc[truth["kind"] == "counterfeit"]
    planted = fake.groupby("group")["merchant_id"].apply(frozenset)
    recovered = sum(1 for p in planted if any(len(p & f) / len(p | f) >= jaccard for f in found))
    fake_ids = set(fake["merchant_id"])
    share = found.map(lambda f: len(f & fake_ids) / len(f))
    ranked = result.rings[["ring_id", "ring_score"]].assign(
        positive=result.rings["ring_id"].map(share).fillna(0) > 0.5
    )
    hits = ranked["positive"].cumsum()
    import pandas as pd

    precision_at = hits / pd.RangeIndex(1, len(ranked) + 1)
    positives = int(ranked["positive"].sum())
    ap = float((precision_at * ranked["positive"]).sum() / positives) if positives else 0.0
    high = ranked.loc[ranked["ring_score"] >= 50]
    return Quality(
        planted=len(planted),
        recovered=recovered,
        recall=recovered / len(planted) if len(planted) else 1.0,
        average_precision=round(ap, 4),
        rings_at_50=len(high),
        precision_at_50=round(float(high["positive"].mean()), 4) if len(high) else 1.0,
        rings=len(ranked),
    )


#: Planted groups reported as rings by design (benign ones scored low); every other shop
#: of a generated marketplace is honest background (service users included).
GROUP_KINDS = ("counterfeit", "chain", "mall", "coworking")


@dataclass(frozen=True)
class Background:
    """Honest background shops among the core members of reported rings."""

    ring_members: int
    background: int
    share: float
    largest_ring: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def background_in_rings(result: RunResult, truth: pd.DataFrame) -> Background:
    """How many core ring members belong to no planted group (honest background shops)."""
    core = result.members.loc[result.members["core"]]
    grouped = set(truth.loc[truth["kind"].isin(GROUP_KINDS), "merchant_id"])
    bg = int((~core["merchant_id"].isin(grouped)).sum())
    sizes = core.groupby("ring_id").size()
    return Background(
        ring_members=len(core),
        background=bg,
        share=round(bg / len(core), 4) if len(core) else 0.0,
        largest_ring=int(sizes.max()) if len(sizes) else 0,
    )


def group_outcomes(result: RunResult, truth: pd.DataFrame, jaccard: float = 0.8) -> pd.DataFrame:
    """One row per planted group: how the run saw it.

    ``best_jaccard`` with the closest reported ring (core members), ``recovered`` when that
    reaches ``jaccard``, ``score`` the highest score of a ring made mostly (over half its
    core) of the group's shops, ``alerted`` when that score is 50 or more.
    """
    core = result.members.loc[result.members["core"], ["ring_id", "merchant_id"]]
    score = result.rings.set_index("ring_id")["ring_score"]
    t = truth if "pattern" in truth else truth.assign(pattern=truth["kind"])
    found = core.merge(t[["group", "merchant_id"]], on="merchant_id", how="left")
    overlap = found.dropna(subset=["group"]).groupby(["group", "ring_id"]).size()
    ring_size = core.groupby("ring_id").size()
    group_size = t.groupby("group").size()
    o = overlap.rename("both").reset_index()
    o["jaccard"] = o["both"] / (
        o["group"].map(group_size) + o["ring_id"].map(ring_size) - o["both"]
    )
    o["mostly"] = o["both"] > o["ring_id"].map(ring_size) / 2
    o["score"] = o["ring_id"].map(score).where(o["mostly"])
    per = o.groupby("group").agg(best_jaccard=("jaccard", "max"), score=("score", "max"))
    info = t.drop_duplicates("group").set_index("group")[["kind", "pattern"]]
    out = info.join(per).fillna({"best_jaccard": 0.0, "score": 0.0})
    out["recovered"] = out["best_jaccard"] >= jaccard
    out["alerted"] = out["score"] >= 50
    return out.reset_index()


def pattern_quality(result: RunResult, truth: pd.DataFrame) -> pd.DataFrame:
    """Per pattern: groups planted, recall (Jaccard >= 0.8) and alert rate (score >= 50)."""
    g = group_outcomes(result, truth)
    return (
        g.groupby(["pattern", "kind"], sort=True)
        .agg(
            groups=("group", "size"),
            recall=("recovered", "mean"),
            alert_rate=("alerted", "mean"),
            mean_score=("score", "mean"),
        )
        .round(3)
        .reset_index()
    )
