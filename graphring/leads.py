"""Offline sites worth a visit: addresses that ship for, receive returns for, or store
stock for ring members, ranked."""

from __future__ import annotations

import numpy as np
import pandas as pd

from graphring.grouped import joined_distinct, sorted_positions
from graphring.schema import LEAD_COLUMNS
from graphring.stores.base import HeldCodes

#: Roles in which an address is a physical site of the operation.
SITE_ROLES = ["warehouse", "origin", "return", "pickup"]


def site_holdings(
    holdings: pd.DataFrame,
    members: pd.DataFrame,
    supernode_keys: set[str],
    codes: HeldCodes | None = None,
) -> pd.DataFrame:
    """The holdings of every physical site (:data:`SITE_ROLES`) that serves a ring member,
    by any shop. A supernode address (a national hub) serves everyone and is not a site.
    ``codes``: ``holdings``' rows as codes, when the store made them (the rows are then
    picked among integers; used when they fit)."""
    if codes is not None and codes.fits(holdings):
        return holdings.loc[_site_rows(codes, members["merchant_id"], supernode_keys)]
    h = holdings.loc[(holdings["kind"] == "address") & holdings["role"].isin(SITE_ROLES)]
    h = h.loc[~h["key"].isin(supernode_keys)]
    site_keys = h.loc[h["merchant_id"].isin(members["merchant_id"]), "key"].unique()
    return h.loc[h["key"].isin(site_keys)]


def _site_rows(codes: HeldCodes, members: pd.Series, supernode_keys: set[str]) -> np.ndarray:
    """:func:`site_holdings`' rows (a mask), found on the holdings' codes."""
    site = (codes.kind_names == "address")[codes.kind] & np.isin(codes.role_names, SITE_ROLES)[
        codes.role
    ]
    idents = np.flatnonzero(np.bincount(codes.ident[site], minlength=len(codes.key_names)))
    hub = np.zeros(len(codes.key_names), dtype=bool)
    hub[idents] = pd.Series(codes.key_names[idents], dtype=object).isin(supernode_keys).to_numpy()
    site &= ~hub[codes.ident]
    member = np.zeros(len(codes.shop_names), dtype=bool)
    ids = members.to_numpy(dtype=object)
    at = sorted_positions(codes.shop_names, ids)
    if at is None:  # an id that is not text: looked up by hashing
        at = pd.Index(codes.shop_names).get_indexer(ids)
    member[at[at >= 0]] = True
    serves = np.zeros(len(codes.key_names), dtype=bool)
    serves[codes.ident[site & member[codes.shop]]] = True
    return site & serves[codes.ident]


def find_leads(
    sites: pd.DataFrame,
    members: pd.DataFrame,
    rings: pd.DataFrame,
    addresses: pd.DataFrame,
) -> pd.DataFrame:
    """Rank the sites that serve ring members.

    ``sites``: from :func:`site_holdings`. ``members``: ring_id, merchant_id (core
    members). ``rings``: ring_id, ring_score. ``addresses``: the written form, province,
    city and coordinates of (at least) the sites' keys.
    """
    h = sites
    if h.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LEAD_COLUMNS})
    served = h.merge(members[["ring_id", "merchant_id"]], on="merchant_id", how="left")
    served = served.merge(rings[["ring_id", "ring_score"]], on="ring_id", how="left")
    in_ring = served.loc[served["ring_id"].notna()]
    ring_keys = in_ring.groupby("key", sort=True)
    per = pd.DataFrame(
        {
            "rings": joined_distinct(in_ring, ["key"], "ring_id"),
            "ring_shops": ring_keys["merchant_id"].nunique(),
            "top_score": ring_keys["ring_score"].max(),
            "merchant_ids": joined_distinct(in_ring, ["key"], "merchant_id"),
        }
    )
    site_keys = h.groupby("key", sort=True)
    allh = pd.DataFrame(
        {
            "shops": site_keys["merchant_id"].nunique(),
            "shipments": site_keys["shipments"].sum(),
            "roles": joined_distinct(h, ["key"], "role"),
        }
    )
    leads = per.join(allh).reset_index().rename(columns={"key": "address"})
    ring_pts = 0.4 * leads["top_score"]
    shop_pts = 30 * np.minimum(1.0, leads["ring_shops"] / 10)
    ship_pts = 20 * np.minimum(1.0, np.log10(1 + leads["shipments"]) / 2)
    multi = 10 * (leads["rings"].str.count(";") > 0)
    leads["score"] = (ring_pts + shop_pts + ship_pts + multi).round(1)
    leads["reasons"] = (
        "serves "
        + leads["ring_shops"].astype(str)
        + " shops of ring(s) "
        + leads["rings"]
        + " (top ring score "
        + leads["top_score"].round(1).astype(str)
        + "); "
        + leads["shipments"].astype(str)
        + " shipments sent from here; used as "
        + leads["roles"].str.replace(";", ", ")
    )
    a = addresses.set_index("key")
    leads["raw_address"] = leads["address"].map(a["address"]).fillna("")
    for col in ["province", "city", "lat", "lon"]:
        leads[col] = leads["address"].map(a[col])
    leads = leads.sort_values(["score", "address"], ascending=[False, True], kind="stable")
    return leads[LEAD_COLUMNS].reset_index(drop=True)
