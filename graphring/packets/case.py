"""The parts of a packet that make it a case file: time kept whole, first and last seen,
parcels per day for a site, the backbone order of the shared identifiers.

Each function works on all rings at once (pandas over whole columns); the packet writer
cuts the results per ring.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def full_months(counts: pd.DataFrame) -> pd.DataFrame:
    """A ring's monthly counts (index ``YYYY-MM``) with the empty months between kept as 0.

    >>> c = pd.DataFrame({"a": [1, 2]}, index=["2021-11", "2022-02"])
    >>> full_months(c)["a"].to_dict()
    {'2021-11': 1, '2021-12': 0, '2022-01': 0, '2022-02': 2}
    """
    if counts.empty:
        return counts
    months = pd.PeriodIndex(counts.index, freq="M")
    every = pd.period_range(months.min(), months.max(), freq="M").strftime("%Y-%m")
    return counts.reindex(every, fill_value=0)


def backbone_order(evidence: pd.DataFrame) -> pd.DataFrame:
    """Shared identifiers, backbone first: most of the ring's shops, then most parcels,
    then the rarest (so the warehouses a whole ring ships from head the table)."""
    return evidence.sort_values(
        ["ring_id", "shops_in_ring", "shipments", "rarity", "kind", "key"],
        ascending=[True, False, False, False, True, True],
        kind="stable",
    )


def date_text(when: pd.Series, unit: str, fmt: str) -> pd.Series:
    """``when.dt.strftime(fmt)`` for a ``fmt`` that shows nothing finer than ``unit``
    (numpy's ``"D"`` or ``"M"``): each distinct day or month is formatted once (a run's
    parcels fall on a few hundred days). Missing times stay missing."""
    values = when.to_numpy()
    if not (isinstance(values, np.ndarray) and values.dtype.kind == "M"):
        return when.dt.strftime(fmt)  # time zones: formatted on their own clock
    codes, uniques = pd.factorize(values.astype(f"datetime64[{unit}]"))
    texts = pd.DatetimeIndex(uniques.astype("datetime64[ns]")).strftime(fmt)
    out = np.append(texts.to_numpy(dtype=object), np.nan)[codes]
    return pd.Series(out, index=when.index, dtype=object)


def _day(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce", utc=True).dt.tz_localize(None)


def seen(evidence: pd.DataFrame, members: pd.DataFrame, shipments: pd.DataFrame) -> pd.DataFrame:
    """ring_id, kind, key, first_seen, last_seen of every shared identifier: the span of its
    holders' opening dates and of the parcels the ring's shops sent from it (addresses).

    ``evidence``: RunResult.evidence; ``members``: ring_id, merchant_id, opened_on;
    ``shipments``: merchant_id, origin_key, shipped_at.
    """
    ev = evidence[["ring_id", "kind", "key", "merchant_ids"]].assign(
        merchant_id=evidence["merchant_ids"].str.split(";")
    )
    ev = ev.explode("merchant_id").drop(columns="merchant_ids")
    opened = ev.merge(
        members[["ring_id", "merchant_id", "opened_on"]], on=["ring_id", "merchant_id"]
    )
    opened = opened.assign(when=_day(opened["opened_on"]))[["ring_id", "kind", "key", "when"]]
    sent = site_parcels(members, shipments)
    sent = sent.loc[sent["key"].isin(set(evidence.loc[evidence["kind"] == "address", "key"]))]
    sent = sent.assign(kind="address")[["ring_id", "kind", "key", "when"]]
    both = pd.concat([opened, sent], ignore_index=True).dropna(subset=["when"])
    out = both.groupby(["ring_id", "kind", "key"]).agg(
        first_seen=("when", "min"), last_seen=("when", "max")
    )
    for col in ("first_seen", "last_seen"):
        out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out.reset_index()


def site_parcels(members: pd.DataFrame, shipments: pd.DataFrame) -> pd.DataFrame:
    """ring_id, key (origin address), when: one row per parcel a ring's shop sent."""
    s = shipments[["merchant_id", "origin_key", "shipped_at"]].merge(
        members[["ring_id", "merchant_id"]], on="merchant_id"
    )
    return pd.DataFrame(
        {"ring_id": s["ring_id"], "key": s["origin_key"], "when": _day(s["shipped_at"])}
    )


def site_days(members: pd.DataFrame, shipments: pd.DataFrame) -> pd.DataFrame:
    """ring_id, key, day, parcels: parcels per day from each site the ring ships from."""
    p = site_parcels(members, shipments).dropna(subset=["when"])
    p = p.assign(day=date_text(p["when"], "D", "%Y-%m-%d"))
    return p.groupby(["ring_id", "key", "day"]).size().rename("parcels").reset_index()


def site_spans(days: pd.DataFrame) -> pd.DataFrame:
    """ring_id, key, first_parcel, last_parcel, days_active from :func:`site_days`."""
    spans = text_spans(days, ["ring_id", "key"], "day")
    spans.columns = ["first_parcel", "last_parcel", "days_active"]
    return spans.reset_index()


def text_spans(frame: pd.DataFrame, keys: list[str], column: str) -> pd.DataFrame:
    """The least and greatest text of ``column`` and the number of rows of each group of
    ``keys`` (columns min, max, size; indexed by the keys, sorted), as
    ``groupby(keys)[column].agg(["min", "max", "size"])`` gives them for text (where
    pandas fails on a missing value, it is skipped here).

    pandas compares text per row in Python; here each distinct text is ranked once (a run
    has a few hundred days) and the groups take the least and greatest rank."""
    codes, uniques = pd.factorize(frame[column], sort=True)
    rank = np.where(codes >= 0, codes, np.nan)
    spans = (
        pd.Series(rank, index=frame.index)
        .groupby([frame[k] for k in keys])
        .agg(["min", "max", "size"])
    )
    texts = np.append(np.asarray(uniques, dtype=object), np.nan)
    for col in ("min", "max"):
        found = spans[col].to_numpy()
        spans[col] = texts[np.where(np.isnan(found), len(uniques), found).astype(np.int64)]
    return spans


#: One hop of context per shop: at most this many identifiers it shares outside the ring,
#: and this many outside shops per identifier (busiest first), so a packet stays small.
CONTEXT_IDS = 8
CONTEXT_SHOPS = 8


def outside_context(
    memberships: pd.DataFrame,
    identifiers: pd.DataFrame,
    members: pd.DataFrame,
    merchants: pd.DataFrame,
) -> pd.DataFrame:
    """For each ring member, the identifiers it shares with shops outside its ring and those
    shops: ring_id, merchant_id, kind, key, outside (merchant id), name, risk_score,
    outside_ring. Supernodes are left out; at most CONTEXT_IDS identifiers per member
    (most outside holders first) and CONTEXT_SHOPS outside shops per identifier.

    ``memberships``, ``identifiers``: Links'; ``members``: ring_id, merchant_id;
    ``merchants``: merchant_id, name, risk_score, ring_id (every merchant).
    """
    ids = identifiers.loc[~identifiers["supernode"], ["node", "kind", "key"]]
    ms = memberships[["node", "merchant_id"]].merge(ids[["node"]], on="node")
    mine = ms.merge(members[["ring_id", "merchant_id"]], on="merchant_id")
    other = ms.rename(columns={"merchant_id": "outside"}).merge(
        mine[["ring_id", "node"]].drop_duplicates(), on="node"
    )
    inside = pd.MultiIndex.from_frame(members[["ring_id", "merchant_id"]])
    other = other.loc[~pd.MultiIndex.from_frame(other[["ring_id", "outside"]]).isin(inside)]
    if other.empty:
        cols = ["ring_id", "merchant_id", "kind", "key", "outside", "name", "risk_score"]
        return pd.DataFrame({c: pd.Series(dtype=object) for c in [*cols, "outside_ring"]})
    other = other.sort_values(["ring_id", "node", "outside"], kind="stable")
    other = other.loc[other.groupby(["ring_id", "node"]).cumcount() < CONTEXT_SHOPS]
    spread = other.groupby(["ring_id", "node"]).size().rename("n").reset_index()
    hops = mine.merge(spread, on=["ring_id", "node"])
    hops = hops.sort_values(
        ["ring_id", "merchant_id", "n", "node"], ascending=[True, True, False, True]
    )
    hops = hops.loc[hops.groupby(["ring_id", "merchant_id"]).cumcount() < CONTEXT_IDS]
    out = hops[["ring_id", "merchant_id", "node"]].merge(other, on=["ring_id", "node"])
    out = out.merge(ids, on="node")
    info = merchants[["merchant_id", "name", "risk_score", "ring_id"]].rename(
        columns={"merchant_id": "outside", "ring_id": "outside_ring"}
    )
    out = out.merge(info, on="outside", how="left")
    return out.drop(columns="node").reset_index(drop=True)
