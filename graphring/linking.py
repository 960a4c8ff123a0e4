"""Shared identifiers -> weighted merchant-merchant links.

A link between two shops weighs more the rarer the identifiers they share (an IDF over the
number of shops holding each, floored for small marketplaces) and the more different kinds
they share. An identifier held by more than ``supernode_max_merchants`` shops (a national
fulfilment hub, a platform escrow account) is a supernode: it links nobody and is listed
in run.json instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from graphring.config import Settings
from graphring.stores.base import HOLDING_COLUMNS

#: Identifier kinds whose role matters for weight.
ROLE_KINDS = {"address"}


@dataclass
class Links:
    """The merchant graph and the identifiers behind it."""

    #: one row per linked pair: a < b, weight, kinds (comma-joined), shared (identifiers)
    edges: pd.DataFrame
    #: one row per identifier held by 2+ shops: node, kind, key, holders, rarity, supernode
    identifiers: pd.DataFrame
    #: one row per (merchant, identifier) for identifiers held by 2+ shops: node, merchant_id,
    #: role, shipments
    memberships: pd.DataFrame

    @property
    def supernodes(self) -> pd.DataFrame:
        ids = self.identifiers
        return ids.loc[ids["supernode"], ["kind", "key", "holders"]].reset_index(drop=True)


def link_weight_label(kind: pd.Series, role: pd.Series) -> pd.Series:
    """The key of :attr:`Settings.kind_weights` for each holding (``address:warehouse``...)."""
    role = role.fillna("").replace("", "other")
    return kind.where(~kind.isin(ROLE_KINDS), kind + ":" + role)


def build_links(holdings: pd.DataFrame, n_merchants: int, settings: Settings) -> Links:
    """Link shops through what they share. ``holdings`` has :data:`HOLDING_COLUMNS`."""
    h = holdings.loc[holdings["key"] != "", HOLDING_COLUMNS].copy()
    label = link_weight_label(h["kind"], h["role"])
    weights = {lab: settings.kind_weight(lab) for lab in pd.unique(label)}
    h["w"] = label.map(weights).astype("float64")
    # one row per (identifier, shop): its strongest role, its shipments from there
    h = (
        h.sort_values(
            ["kind", "key", "merchant_id", "w", "role"],
            ascending=[True, True, True, False, True],
            kind="stable",
        )
        .groupby(["kind", "key", "merchant_id"], sort=True, as_index=False)
        .agg(role=("role", "first"), w=("w", "first"), shipments=("shipments", "sum"))
    )
    holders = h.groupby(["kind", "key"], sort=True)["merchant_id"].transform("size")
    h = h.loc[holders >= 2].reset_index(drop=True)
    holders = holders[holders >= 2].to_numpy()
    node, _ = pd.factorize(pd.MultiIndex.from_frame(h[["kind", "key"]]), sort=True)
    h.insert(0, "node", node)
    n = max(n_merchants, 2)
    # IDF over the marketplace; on a small one (where every shop is "common") an identifier
    # shared by few shops still counts: never less than 1 / log2(1 + holders)
    idf = np.log(n / holders) / np.log(n)
    rarity = np.clip(np.maximum(idf, 1.0 / np.log2(1.0 + holders)), 0.05, 1.0)
    ids = (
        pd.DataFrame(
            {"node": node, "kind": h["kind"], "key": h["key"], "holders": holders, "rarity": rarity}
        )
        .drop_duplicates("node")
        .reset_index(drop=True)
    )
    ids["supernode"] = ids["holders"] > settings.supernode_max_merchants
    memberships = h[["node", "merchant_id", "role", "shipments", "w"]]

    usable = h.loc[~ids["supernode"].to_numpy()[h["node"].to_numpy()]]
    left = usable[["node", "merchant_id", "w"]]
    pairs = left.merge(left, on="node", suffixes=("_a", "_b"))
    pairs = pairs.loc[pairs["merchant_id_a"] < pairs["merchant_id_b"]]
    pairs = pairs.assign(
        kind=ids["kind"].to_numpy()[pairs["node"].to_numpy()],
        c=np.minimum(pairs["w_a"], pairs["w_b"]) * ids["rarity"].to_numpy()[pairs["node"]],
    )
    per_kind = (
        pairs.groupby(["merchant_id_a", "merchant_id_b", "kind"], sort=True)
        .agg(c=("c", "sum"), shared=("node", "size"))
        .reset_index()
    )
    # several shared accounts say more than one, but not without bound
    per_kind["c"] = per_kind["c"].clip(upper=1.5)
    edges = (
        per_kind.groupby(["merchant_id_a", "merchant_id_b"], sort=True)
        .agg(
            weight=("c", "sum"),
            n_kinds=("kind", "size"),
            shared=("shared", "sum"),
            kinds=("kind", lambda k: ",".join(k)),
        )
        .reset_index()
        .rename(columns={"merchant_id_a": "a", "merchant_id_b": "b"})
    )
    edges["weight"] = edges["weight"] * (1.0 + 0.25 * (edges["n_kinds"] - 1))
    edges = edges.loc[edges["weight"] >= settings.min_link_weight]
    edges = edges.drop(columns="n_kinds").reset_index(drop=True)
    return Links(edges=edges, identifiers=ids, memberships=memberships.reset_index(drop=True))
