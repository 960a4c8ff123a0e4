"""Merchant risk and ring scores, 0-100, each built from named reasons with their points.

A merchant's risk comes from its own storefront: age, volume against age, rating, branded
listings far below the brand's retail price, product images quoting another price than the
price field. A ring's score comes from its members' risk and its structure: how many kinds
of infrastructure its shops share, how many shops, how densely tied, how many provinces a
tightly tied group spreads over. The reasons are sentences an investigator reads.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Listings priced under this share of the reference price count as far below it.
CHEAP_SHARE = 0.6
#: An image price this far (relative) from the price field counts as a different price.
IMAGE_PRICE_TOLERANCE = 0.1
_PRICE_RE = r"(?:¥|￥|RMB|CNY|元|\$|USD)\s*(\d+(?:[.,]\d+)?)|(\d+(?:\.\d+)?)\s*(?:元|RMB|CNY)"
#: Identifier kinds that say "one operator" when shops share them.
STRONG_KINDS = {"account", "device", "phone", "email", "id_document", "address"}


def image_prices(text: pd.Series) -> pd.Series:
    """The first price quoted in OCR text (``到手价 ¥399``, ``RMB 399``, ``399元``), or NaN.

    >>> image_prices(pd.Series(["到手价 ¥399", "only RMB 1,299", "399元 包邮", "new"])).tolist()
    [399.0, 1299.0, 399.0, nan]
    """
    codes, uniques = pd.factorize(text.astype("string").fillna(""), sort=False)
    found = pd.Series(uniques, dtype="string").str.normalize("NFKC").str.extract(_PRICE_RE)
    raw = found[0].fillna(found[1]).str.replace(",", "", regex=False)
    prices = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64")
    return pd.Series(prices[codes] if len(codes) else [], index=text.index, dtype="float64")


def top_reasons(long: pd.DataFrame, key: str, n: int = 3) -> pd.Series:
    """The ``n`` strongest reasons of each ``key``, joined by "; " (``long`` is sorted)."""
    if long.empty:
        return pd.Series(dtype=object)
    rank = long.groupby(key, sort=False).cumcount()
    top = long.loc[rank < n].assign(rank=rank[rank < n])
    wide = top.pivot(index=key, columns="rank", values="text")
    joined = wide[0].astype(object)
    for r in range(1, n):
        if r in wide:
            joined = joined + ("; " + wide[r].astype(object)).fillna("")
    return joined


def _reasons_long(parts: list[tuple[pd.Series, pd.Series]], index: pd.Index) -> pd.DataFrame:
    """(points, text) columns -> one row per non-zero reason: row, points, text."""
    frames = []
    for order, (points, text) in enumerate(parts):
        mask = (points > 0).to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    "row": index[mask],
                    "points": points.to_numpy()[mask],
                    "text": text.to_numpy()[mask],
                    "order": order,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(
        ["row", "points", "order"], ascending=[True, False, True], kind="stable"
    ).reset_index(drop=True)


def merchant_risk(
    merchants: pd.DataFrame, listings: pd.DataFrame, today: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Risk per merchant and its reasons.

    Returns ``scores`` (merchant_id, risk_score, reasons: the top three joined by "; ") and
    ``reasons`` (merchant_id, points, text: every reason).
    """
    m = merchants.set_index("merchant_id")
    idx = m.index
    age = (today - m["opened_on"]).dt.days
    age_pts = pd.Series(
        np.select([age < 90, age < 180, age < 365], [20, 14, 6], 0), index=idx
    ).where(age.notna(), 0)
    age_txt = (
        "storefront opened " + age.fillna(0).astype(int).astype(str) + " days before the run's date"
    )
    orders = m["monthly_orders"]
    vol_pts = pd.Series(np.where((orders >= 300) & (age < 365), 10, 0), index=idx)
    vol_txt = (
        orders.fillna(0).astype(int).astype(str)
        + " orders a month from a shop "
        + age.fillna(0).astype(int).astype(str)
        + " days old"
    )
    rating = m["rating"]
    rate_pts = pd.Series(np.select([rating < 4.3, rating < 4.5], [10, 6], 0), index=idx)
    rate_txt = "store rating " + rating.round(2).astype(str)

    lst = listings
    branded = (
        (lst["brand"].astype(str) != "")
        & lst["reference_price"].notna()
        & (lst["reference_price"] > 0)
    )
    share = lst["price"] / lst["reference_price"]
    cheap = branded & (share < CHEAP_SHARE)
    img = image_prices(lst["image_text"])
    mism = (
        img.notna()
        & (lst["price"] > 0)
        & ((img - lst["price"]).abs() / lst["price"] > IMAGE_PRICE_TOLERANCE)
    )
    g = pd.DataFrame(
        {
            "merchant_id": lst["merchant_id"],
            "branded": branded,
            "cheap": cheap,
            "share": share.where(cheap),
            "mism": mism,
            "brand": lst["brand"].where(cheap, ""),
            "img": img.where(mism),
            "price": lst["price"].where(mism),
        }
    )
    agg = (
        g.groupby("merchant_id")
        .agg(
            branded=("branded", "sum"),
            cheap=("cheap", "sum"),
            lo=("share", "min"),
            hi=("share", "max"),
            mism=("mism", "sum"),
            img=("img", "first"),
            price=("price", "first"),
        )
        .reindex(idx)
    )
    cheap_brands = (
        g.loc[g["cheap"], ["merchant_id", "brand"]]
        .drop_duplicates()
        .sort_values(["merchant_id", "brand"])
        .groupby("merchant_id")["brand"]
        .agg(", ".join)
    )
    agg["brands"] = cheap_brands.reindex(idx)
    n_cheap = agg["cheap"].fillna(0)
    cheap_pts = pd.Series(
        np.where(n_cheap > 0, np.minimum(35, 15 + 5 * (n_cheap - 1)), 0), index=idx
    )
    cheap_txt = (
        n_cheap.astype(int).astype(str)
        + " of "
        + agg["branded"].fillna(0).astype(int).astype(str)
        + " branded listings at "
        + (agg["lo"] * 100).round().fillna(0).astype(int).astype(str)
        + "–"
        + (agg["hi"] * 100).round().fillna(0).astype(int).astype(str)
        + "% of the brand's retail price ("
        + agg["brands"].fillna("")
        + ")"
    )
    n_mism = agg["mism"].fillna(0)
    mism_pts = pd.Series(np.where(n_mism > 0, np.minimum(25, 12 + 4 * (n_mism - 1)), 0), index=idx)
    mism_txt = (
        n_mism.astype(int).astype(str) + " listing images quote another price than "
        "the price field (image "
        + agg["img"].fillna(0).round(2).astype(str)
        + ", listed "
        + agg["price"].fillna(0).round(2).astype(str)
        + ")"
    )
    parts = [
        (age_pts, age_txt),
        (vol_pts, vol_txt),
        (rate_pts, rate_txt),
        (cheap_pts, cheap_txt),
        (mism_pts, mism_txt),
    ]
    total = sum(p for p, _ in parts).clip(upper=100)
    long = _reasons_long(parts, idx)
    top = top_reasons(long, "row")
    scores = pd.DataFrame(
        {
            "merchant_id": idx,
            "risk_score": total.astype(float).round(1).to_numpy(),
            "reasons": top.reindex(idx).fillna("").to_numpy(),
        }
    )
    reasons = long.rename(columns={"row": "merchant_id"})[["merchant_id", "points", "text"]]
    return scores, reasons


def ring_scores(
    groups: pd.DataFrame,
    risk: pd.DataFrame,
    edges: pd.DataFrame,
    evidence: pd.DataFrame,
    merchants: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score each group of core members.

    ``groups``: merchant_id, group. ``evidence``: group, kind, key, holders_in_ring.
    Returns ``scores`` (group, ring_score, size, density, kinds, provinces) and ``reasons``
    (group, points, text).
    """
    g = groups[["merchant_id", "group"]]
    size = g.groupby("group").size()
    idx = size.index
    r = g.merge(risk[["merchant_id", "risk_score"]], on="merchant_id", how="left")
    mean_risk = r.groupby("group")["risk_score"].mean().reindex(idx).fillna(0)
    high = r.loc[r["risk_score"] >= 50].groupby("group").size().reindex(idx).fillna(0)
    where = g.merge(merchants[["merchant_id", "province"]], on="merchant_id", how="left")
    where = where.loc[where["province"].astype(str) != ""]
    provinces = where.groupby("group")["province"].nunique().reindex(idx).fillna(0)
    gid = g.set_index("merchant_id")["group"]
    ga, gb = edges["a"].map(gid), edges["b"].map(gid)
    inside = edges.loc[ga.notna() & (ga == gb)].assign(group=ga)
    n_edges = inside.groupby("group").size().reindex(idx).fillna(0)
    density = n_edges / (size * (size - 1) / 2)
    kinds = (
        evidence.groupby("group")["kind"]
        .agg(lambda k: ",".join(sorted(set(k))))
        .reindex(idx)
        .fillna("")
    )
    n_strong = kinds.map(lambda k: len(set(k.split(",")) & STRONG_KINDS) if k else 0)

    risk_pts = (mean_risk * 0.5).round(1)
    risk_txt = (
        "members' mean risk "
        + mean_risk.round().astype(int).astype(str)
        + "/100, "
        + high.astype(int).astype(str)
        + " of "
        + size.astype(str)
        + " at 50 or more"
    )
    kind_pts = (n_strong * 4).clip(upper=16).astype(float)
    kind_txt = "shops share " + n_strong.astype(str) + " kinds of infrastructure (" + kinds + ")"
    size_pts = (2.5 * np.log2(size)).clip(upper=12).round(1)
    size_txt = size.astype(str) + " shops tied together"
    dens_pts = (6 * density).round(1)
    dens_txt = (
        n_edges.astype(int).astype(str)
        + " of "
        + (size * (size - 1) // 2).astype(str)
        + " possible shop pairs linked"
    )
    prov_pts = (3 * (provinces - 1)).clip(lower=0, upper=15).astype(float)
    prov_txt = "spread over " + provinces.astype(int).astype(str) + " provinces"
    parts = [
        (risk_pts, risk_txt),
        (kind_pts, kind_txt),
        (prov_pts, prov_txt),
        (size_pts, size_txt),
        (dens_pts, dens_txt),
    ]
    total = sum(p for p, _ in parts).clip(upper=100).round(1)
    long = _reasons_long(parts, idx).rename(columns={"row": "group"})
    scores = pd.DataFrame(
        {
            "group": idx,
            "ring_score": total.to_numpy(),
            "size": size.to_numpy(),
            "density": density.round(3).to_numpy(),
            "kinds": kinds.to_numpy(),
            "provinces": provinces.astype(int).to_numpy(),
        }
    )
    return scores, long[["group", "points", "text"]]
