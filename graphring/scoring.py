"""Merchant risk and ring scores, 0-100, each built from named reasons with their points.

A merchant's risk comes from its own storefront: age, volume against age, rating, branded
listings far below the brand's retail price, product images quoting another price than the
price field. A ring's score comes from its members' risk and its structure: how many kinds
of infrastructure its shops share, how many shops, how densely tied, how many provinces a
tightly tied group spreads over. The reasons are sentences an investigator reads.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from graphring.grouped import of_groups, with_shop_columns

#: Listings priced under this share of the reference price count as far below it.
CHEAP_SHARE = 0.6
#: An image price this far (relative) from the price field counts as a different price.
IMAGE_PRICE_TOLERANCE = 0.1
_PRICE_RE = r"(?:¥|￥|RMB|CNY|元|\$|USD)\s*(\d+(?:[.,]\d+)?)|(\d+(?:\.\d+)?)\s*(?:元|RMB|CNY)"


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


def listing_flags(listings: pd.DataFrame) -> pd.DataFrame:
    """Which listings are suspicious: the one rule the scores, the packets and the notebook
    use. One row per listing (the same index):

    - ``branded``: a brand and a reference (retail) price above 0;
    - ``share``: price / reference_price, unrounded;
    - ``cheap``: branded and ``share`` under :data:`CHEAP_SHARE`;
    - ``image_price``: the first price the listing's image text quotes (NaN: none);
    - ``image_mismatch``: a positive price and an image price more than
      :data:`IMAGE_PRICE_TOLERANCE` of it away.

    >>> lst = pd.DataFrame({"brand": ["Nike", "", "Nike"], "price": [59.6, 10.0, 0.0],
    ...     "reference_price": [100.0, 100.0, 100.0], "image_text": ["", "", "¥399"]})
    >>> listing_flags(lst)[["cheap", "image_mismatch"]].to_numpy().tolist()
    [[True, False], [False, False], [True, False]]
    """
    ref = listings["reference_price"]
    price = listings["price"]
    branded = (listings["brand"].fillna("").astype(str) != "") & ref.notna() & (ref > 0)
    share = price / ref
    image = image_prices(listings["image_text"].fillna(""))
    return pd.DataFrame(
        {
            "branded": branded,
            "share": share,
            "cheap": branded & (share < CHEAP_SHARE),
            "image_price": image,
            "image_mismatch": image.notna()
            & (price > 0)
            & ((image - price).abs() / price > IMAGE_PRICE_TOLERANCE),
        },
        index=listings.index,
    )


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


#: The columns :func:`merchant_risk` reads: a caller handing the tables to another process
#: sends these only (listing ids and titles are much of a million shops' listings).
RISK_COLUMNS = {
    "merchants": ["merchant_id", "opened_on", "monthly_orders", "rating"],
    "listings": ["merchant_id", "brand", "price", "reference_price", "image_text"],
}


def merchant_risk(
    merchants: pd.DataFrame, listings: pd.DataFrame, today: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Risk per merchant and its reasons (from the :data:`RISK_COLUMNS` of the tables).

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
    flags = listing_flags(lst)
    branded, share, cheap = flags["branded"], flags["share"], flags["cheap"]
    img, mism = flags["image_price"], flags["image_mismatch"]
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


#: Nominal points of each kind of evidence a ring score draws on (they add up to about 100;
#: when a dataset lacks one, the others are scaled up to fill its share).
STOREFRONT_POINTS = 50
INFRA_POINTS = 24
PROVINCE_POINTS = 15
STRUCTURE_POINTS = 18
#: Counterfeit listings of a ring: points per unit of depth (how far under
#: :data:`CHEAP_SHARE` of retail, 0-1, summed over listings), per image quoting another
#: price, and at most.
FAKE_DEPTH_POINTS = 12.0
FAKE_IMAGE_POINTS = 3.0
FAKE_MAX_POINTS = 25.0
#: Shops in a ring beyond which looseness is judged as if it had this many: a ring at least
#: as tied as a chain of this many shops keeps its score; looser ones are scaled down.
LOOSE_SIZE = 30
LOOSE_FLOOR = 0.25


def evidence_present(
    merchants: pd.DataFrame, listings: pd.DataFrame | None, risk: pd.DataFrame
) -> dict[str, bool]:
    """Which kinds of evidence the data carries: storefront (shop attributes, listings, or
    any shop risk) and provinces."""
    cols = [c for c in ("opened_on", "monthly_orders", "rating") if c in merchants]
    storefront = (
        bool(merchants[cols].notna().to_numpy().any())
        or (listings is not None and len(listings) > 0)
        or bool((risk["risk_score"] > 0).any())
    )
    prov = merchants["province"] if "province" in merchants else pd.Series(dtype=object)
    provinces = bool((prov.fillna("").astype(str) != "").any())
    return {"storefront": storefront, "provinces": provinces}


def _fake_listings(groups: pd.DataFrame, listings: pd.DataFrame, idx: pd.Index) -> pd.DataFrame:
    """Per ring: counterfeit-priced listings, their depth, image mismatches, shops selling."""
    lst = of_groups(listings, groups, "group")
    flags = listing_flags(lst)
    branded, share, cheap = flags["branded"], flags["share"], flags["cheap"]
    depth = ((1 - share / CHEAP_SHARE).clip(0, 1)).where(cheap, 0.0)
    # a ring's image mismatches count among its cheap listings only
    mism = cheap & flags["image_mismatch"]
    t = pd.DataFrame(
        {
            "group": lst["group"],
            "branded": branded,
            "cheap": cheap,
            "depth": depth,
            "mism": mism,
            "seller": lst["merchant_id"].where(cheap),
            "lo": share.where(cheap),
        }
    )
    agg = t.groupby("group").agg(
        branded=("branded", "sum"),
        cheap=("cheap", "sum"),
        depth=("depth", "sum"),
        mism=("mism", "sum"),
        sellers=("seller", "nunique"),
        lo=("lo", "min"),
        hi=("lo", "max"),
    )
    return agg.reindex(idx).fillna(0)


def ring_scores(
    groups: pd.DataFrame,
    risk: pd.DataFrame,
    edges: pd.DataFrame,
    evidence: pd.DataFrame,
    merchants: pd.DataFrame,
    listings: pd.DataFrame | None = None,
    weights: Mapping[str, float] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score each group of core members from the evidence the data has.

    ``groups``: merchant_id, group. ``evidence``: group, kind (and, from the pipeline, key,
    roles, rarity). ``weights``: the kind weights linking used (``address:warehouse``...),
    so shared infrastructure counts by what it says. Storefront evidence (members' risk,
    counterfeit listings weighed by depth and image mismatches) and provinces count when
    the data has them; when it lacks one, the others are scaled up to its share, and a
    reason says so. A loose group (fewer links than a chain of its shops) is scaled down.
    Returns ``scores`` (group, ring_score, size, density, kinds, provinces) and ``reasons``
    (group, points, text; the points add up to the score).
    """
    g = groups[["merchant_id", "group"]]
    size = g.groupby("group").size()
    idx = size.index
    present = evidence_present(merchants, listings, risk)
    r = with_shop_columns(g, risk, ["risk_score"])
    mean_risk = r.groupby("group")["risk_score"].mean().reindex(idx).fillna(0)
    high = r.loc[r["risk_score"] >= 50].groupby("group").size().reindex(idx).fillna(0)
    if "province" in merchants:
        where = with_shop_columns(g, merchants, ["province"])
        where = where.loc[where["province"].fillna("").astype(str) != ""]
        provinces = where.groupby("group")["province"].nunique().reindex(idx).fillna(0)
    else:
        provinces = pd.Series(0, index=idx)
    gid = g.set_index("merchant_id")["group"]
    ga, gb = edges["a"].map(gid), edges["b"].map(gid)
    inside = edges.loc[ga.notna() & (ga == gb)].assign(group=ga)
    n_edges = inside.groupby("group").size().reindex(idx).fillna(0)
    pairs = size * (size - 1) / 2
    density = n_edges / pairs

    # shared infrastructure: the strongest identifier of each kind, by its weight and rarity
    ev = evidence.copy()
    roles = ev["roles"].fillna("").astype(str) if "roles" in ev else pd.Series("", index=ev.index)
    first_role = roles.str.split(";").str[0].replace("", "other")
    label = ev["kind"].where(ev["kind"] != "address", "address:" + first_role)
    wmap = dict(weights or {})
    ev["w"] = label.map(lambda k: wmap.get(k, 1.0 if not wmap else 0.3)).astype(float)
    ev["w"] = ev["w"] * (ev["rarity"].astype(float) if "rarity" in ev else 1.0)
    per_kind = ev.groupby(["group", "kind"], sort=True)["w"].max().reset_index()
    strength = per_kind.groupby("group")["w"].sum().reindex(idx).fillna(0)
    kinds = (
        per_kind.groupby("group")["kind"]
        .agg(lambda k: ",".join(sorted(set(k))))
        .reindex(idx)
        .fillna("")
    )
    kind_detail = (
        per_kind.assign(t=per_kind["kind"] + " " + per_kind["w"].round(2).astype(str))
        .groupby("group")["t"]
        .agg(", ".join)
        .reindex(idx)
        .fillna("")
    )
    n_kinds = kinds.map(lambda k: len(k.split(",")) if k else 0)

    parts: list[tuple[pd.Series, pd.Series]] = []
    if present["storefront"]:
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
        fake = _fake_listings(g, listings if listings is not None else _NO_LISTINGS, idx)
        fake_pts = (
            (FAKE_DEPTH_POINTS * fake["depth"] + FAKE_IMAGE_POINTS * fake["mism"])
            * (0.5 + 0.5 * (fake["sellers"] / size).clip(upper=1))
        ).clip(upper=FAKE_MAX_POINTS)
        fake_pts = fake_pts.clip(upper=(STOREFRONT_POINTS - risk_pts).clip(lower=0)).round(1)
        fake_txt = (
            fake["cheap"].astype(int).astype(str)
            + " of the ring's "
            + fake["branded"].astype(int).astype(str)
            + " branded listings at "
            + (fake["lo"] * 100).round().astype(int).astype(str)
            + "–"
            + (fake["hi"] * 100).round().astype(int).astype(str)
            + "% of retail, sold by "
            + fake["sellers"].astype(int).astype(str)
            + " of "
            + size.astype(str)
            + " shops; "
            + fake["mism"].astype(int).astype(str)
            + " with images quoting another price"
        )
        parts += [(risk_pts, risk_txt), (fake_pts, fake_txt)]
    kind_pts = (INFRA_POINTS * (1 - np.exp(-strength / 1.2))).round(1)
    kind_txt = (
        "shops share "
        + n_kinds.astype(str)
        + " kinds of infrastructure (weight x rarity: "
        + kind_detail
        + ")"
    )
    parts.append((kind_pts, kind_txt))
    if present["provinces"]:
        prov_pts = (3 * (provinces - 1)).clip(lower=0, upper=PROVINCE_POINTS).astype(float)
        prov_txt = "spread over " + provinces.astype(int).astype(str) + " provinces"
        parts.append((prov_pts, prov_txt))
    size_pts = (2.5 * np.log2(size)).clip(upper=12).round(1)
    size_txt = size.astype(str) + " shops tied together"
    dens_pts = (6 * density).round(1)
    dens_txt = (
        n_edges.astype(int).astype(str)
        + " of "
        + pairs.astype(int).astype(str)
        + " possible shop pairs linked"
    )
    parts += [(size_pts, size_txt), (dens_pts, dens_txt)]
    raw = sum(p for p, _ in parts)

    # evidence the data lacks: the other kinds of evidence fill its share
    missing = [k for k, ok in present.items() if not ok]
    lost = STOREFRONT_POINTS * (not present["storefront"]) + PROVINCE_POINTS * (
        not present["provinces"]
    )
    scale = 100 / (100 - lost)
    scaled = raw * scale
    scale_pts = (scaled - raw).round(1)
    scale_txt = pd.Series(
        f"built from the evidence the data has (no {' and no '.join(missing)}): "
        f"points scaled x{scale:.2f}",
        index=idx,
    )
    parts.append((scale_pts * (scale > 1), scale_txt))
    # a loose group (a few links among many shops) is not as tied as its size says
    tied = density * size.clip(upper=LOOSE_SIZE) / 2
    factor = np.sqrt(tied).clip(LOOSE_FLOOR, 1.0)
    capped = scaled.clip(upper=100)
    loose_pts = -(capped * (1 - factor)).round(1)
    loose_txt = (
        "loose group: "
        + n_edges.astype(int).astype(str)
        + " links among "
        + size.astype(str)
        + " shops, fewer than a chain of them has: score x"
        + factor.round(2).astype(str)
    )
    total = (capped * factor).round(1)
    long = _reasons_long(parts, idx)
    cap_pts = (capped - scaled).round(1)
    extra = pd.DataFrame(
        {
            "row": np.concatenate([idx[loose_pts < 0], idx[cap_pts < 0]]),
            "points": np.concatenate([loose_pts[loose_pts < 0], cap_pts[cap_pts < 0]]),
            "text": np.concatenate(
                [loose_txt[loose_pts < 0], np.repeat("capped at 100", int((cap_pts < 0).sum()))]
            ),
            "order": len(parts),
        }
    )
    if len(extra):
        long = pd.concat([long, extra], ignore_index=True).sort_values(
            ["row", "points", "order"], ascending=[True, False, True], kind="stable"
        )
    long = long.rename(columns={"row": "group"})
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
    return scores, long[["group", "points", "text"]].reset_index(drop=True)


_NO_LISTINGS = pd.DataFrame(
    {
        "merchant_id": pd.Series(dtype=object),
        "brand": pd.Series(dtype=object),
        "price": pd.Series(dtype=float),
        "reference_price": pd.Series(dtype=float),
        "image_text": pd.Series(dtype=object),
    }
)
