"""Shared identifiers -> weighted merchant-merchant links.

A link between two shops weighs more the rarer the identifiers they share (an IDF over the
number of shops holding each, floored for small marketplaces) and the more different kinds
they share. An identifier held by more than ``supernode_max_merchants`` shops (a national
fulfilment hub, a platform escrow account) is a supernode: it links nobody and is listed
in run.json instead. An identifier many shops share that its holders share little else
beside is a service (:mod:`graphring.services`): its links are down-weighted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from graphring.calibrate import calibrate_weights
from graphring.config import Settings
from graphring.services import find_services
from graphring.stores.base import HOLDING_COLUMNS

#: Identifier kinds whose role matters for weight.
ROLE_KINDS = {"address", "place"}


@dataclass
class Links:
    """The merchant graph and the identifiers behind it."""

    #: one row per linked pair: a < b, weight, kinds (comma-joined), shared (identifiers),
    #: tie (the weight of the strongest single identifier the pair shares)
    edges: pd.DataFrame
    #: one row per identifier held by 2+ shops: node, kind, key, holders, rarity, supernode,
    #: service, cohesion, weight_factor (see :mod:`graphring.services`)
    identifiers: pd.DataFrame
    #: one row per (merchant, identifier) for identifiers held by 2+ shops: node, merchant_id,
    #: role, shipments
    memberships: pd.DataFrame
    #: one row per weight label: configured, chance_factor, feedback, weight (run.json)
    weights: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def supernodes(self) -> pd.DataFrame:
        ids = self.identifiers
        return ids.loc[ids["supernode"], ["kind", "key", "holders"]].reset_index(drop=True)

    @property
    def services(self) -> pd.DataFrame:
        """Identifiers recognised as services: kind, key, holders, cohesion, weight_factor."""
        ids = self.identifiers
        cols = ["kind", "key", "holders", "cohesion", "weight_factor"]
        return ids.loc[ids["service"], cols].reset_index(drop=True)


def link_weight_label(kind: pd.Series, role: pd.Series) -> pd.Series:
    """The key of :attr:`Settings.kind_weights` for each holding (``address:warehouse``...)."""
    role = role.fillna("").replace("", "other")
    return kind.where(~kind.isin(ROLE_KINDS), kind + ":" + role)


def build_links(
    holdings: pd.DataFrame,
    n_merchants: int,
    settings: Settings,
    feedback: Mapping[str, float] | None = None,
    weigh: Callable[[Sequence[str], np.ndarray, np.ndarray], pd.DataFrame] | None = None,
) -> Links:
    """Link shops through what they share. ``holdings`` has :data:`HOLDING_COLUMNS`.

    The work is done on integer codes (merchants, identifiers, kinds, roles factorized in
    sorted order), so the output order follows merchant ids and (kind, key).

    ``weigh(labels, holders, chance)`` makes the weight table from the sharing counted
    here (:func:`graphring.calibrate.calibrate_weights` by default): a caller that links
    part of a marketplace (Spark, component group by group) counts the whole one itself
    and hands in its table, one row per label in ``labels``' order.
    """
    h = holdings.loc[holdings["key"] != "", HOLDING_COLUMNS]
    label = link_weight_label(h["kind"], h["role"])
    # holdings come sorted by merchant (finish_holdings): then first-seen order is sorted
    mcode, merchant_u = pd.factorize(
        h["merchant_id"], sort=not h["merchant_id"].is_monotonic_increasing
    )
    kcode, kind_u = pd.factorize(h["kind"], sort=True)
    # identifiers numbered as first seen here; only those two shops share are put in
    # (kind, key) order below -- sorting millions of keys held by one shop is wasted work
    keycode, key_u = pd.factorize(h["key"], sort=False)
    node_all, _ = pd.factorize(kcode.astype(np.int64) * max(len(key_u), 1) + keycode)
    rcode, role_u = pd.factorize(h["role"].fillna(""), sort=True)
    lcode, label_u = pd.factorize(label, sort=True)
    # configured weights pick each shop's strongest role; calibrated ones weigh the links
    w = np.array([settings.kind_weight(x) for x in label_u], dtype="float64")[lcode]
    ship = h["shipments"].to_numpy(dtype="int64")

    # one row per (identifier, shop): its strongest role, its shipments from there
    order = np.lexsort((rcode, -w, mcode, node_all))
    node_s, m_s = node_all[order], mcode[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (node_s[1:] != node_s[:-1]) | (m_s[1:] != m_s[:-1])
    group = np.cumsum(first) - 1
    ships = np.bincount(group, weights=ship[order]).astype(np.int64)
    hn, hm = node_s[first], m_s[first]
    hl, hr, hk, hkey = (
        lcode[order][first],
        rcode[order][first],
        kcode[order][first],
        keycode[order][first],
    )
    per_node = np.bincount(hn)
    # holdings of each label (supernodes are services, not chance), for calibration: one
    # per (identifier, shop), so a shop with two phones counts twice (counting shops once
    # would cost a sort of every holding)
    usable_row = per_node[hn] <= settings.supernode_max_merchants
    label_holders = np.bincount(hl[usable_row], minlength=len(label_u))
    keep = per_node[hn] >= 2
    shared = np.unique(hn[keep])
    # the shared identifiers in (kind, key) order
    first_row = np.searchsorted(hn, shared)
    by_kind_key = pd.DataFrame(
        {"kind": hk[first_row], "key": np.asarray(key_u.take(hkey[first_row]), dtype=object)}
    ).sort_values(["kind", "key"], kind="stable")
    rank = np.empty(len(shared), dtype=np.int64)
    rank[by_kind_key.index.to_numpy()] = np.arange(len(shared))
    node = rank[np.searchsorted(shared, hn[keep])]
    # rows by node, then merchant (already in merchant order within a node)
    o = np.argsort(node, kind="stable")
    node = node[o]
    hm, hl, hr, hk, hkey, ships = (x[keep][o] for x in (hm, hl, hr, hk, hkey, ships))
    holders_row = per_node[hn[keep]][o]

    starts = np.flatnonzero(np.r_[True, node[1:] != node[:-1]]) if len(node) else node
    holders = holders_row[starts]
    n = max(n_merchants, 2)
    # IDF over the marketplace; on a small one (where every shop is "common") an identifier
    # shared by few shops still counts: never less than 1 / log2(1 + holders)
    idf = np.log(n / holders) / np.log(n)
    rarity = np.clip(np.maximum(idf, 1.0 / np.log2(1.0 + holders)), 0.05, 1.0)
    ids = pd.DataFrame(
        {
            "node": np.arange(len(starts)),
            "kind": np.asarray(kind_u, dtype=object)[hk[starts]],
            "key": np.asarray(key_u.take(hkey[starts]), dtype=object),
            "holders": holders.astype(np.int64),
            "rarity": rarity,
        }
    )
    ids["supernode"] = ids["holders"] > settings.supernode_max_merchants
    usable = ~ids["supernode"].to_numpy()[node]
    left = pd.DataFrame({"node": node[usable], "m": hm[usable], "l": hl[usable]})
    pairs = left.merge(left, on="node", suffixes=("_a", "_b"))
    pairs = pairs.loc[pairs["m_a"].to_numpy() < pairs["m_b"].to_numpy()]
    pnode = pairs["node"].to_numpy()
    n_kinds = len(kind_u)
    pkind = hk[starts][pnode]

    # kind weights calibrated on the data (and verdicts): graphring/calibrate.py
    labels = [str(x) for x in label_u]
    chance = _chance_holders(pairs, pkind, len(merchant_u), len(label_u))
    weight_table = (
        weigh(labels, label_holders, chance)
        if weigh is not None
        else calibrate_weights(labels, label_holders, chance, settings, feedback)
    )
    lw = weight_table["weight"].to_numpy(dtype="float64")
    memberships = pd.DataFrame(
        {
            "node": node,
            "merchant_id": np.asarray(merchant_u, dtype=object)[hm],
            "role": np.asarray(role_u, dtype=object)[hr],
            "shipments": ships,
            "w": lw[hl],
        }
    )
    svc = find_services(
        pnode,
        pairs["m_a"].to_numpy(),
        pairs["m_b"].to_numpy(),
        holders,
        settings.service_min_holders,
        settings.service_max_cohesion,
    )
    ids["service"] = svc.service
    ids["cohesion"] = svc.cohesion.round(4)
    ids["weight_factor"] = svc.factor.round(4)
    contrib = (
        np.minimum(lw[pairs["l_a"].to_numpy()], lw[pairs["l_b"].to_numpy()])
        * rarity[pnode]
        * svc.factor[pnode]
    )
    # per (pair, kind): summed contribution, capped -- several shared accounts say more than
    # one, but not without bound
    per_kind = pd.DataFrame(
        {"a": pairs["m_a"].to_numpy(), "b": pairs["m_b"].to_numpy(), "kind": pkind, "c": contrib}
    )
    per_kind = (
        per_kind.groupby(["a", "b", "kind"], sort=True)
        .agg(c=("c", "sum"), shared=("c", "size"), tie=("c", "max"))
        .reset_index()
    )
    per_kind["c"] = per_kind["c"].clip(upper=1.5)
    # the kinds a pair shares, as one label: a bitmask of kind codes while they fit in 62
    # bits (any kind is allowed, so a dataset may have more; then joined per pair)
    few = n_kinds <= 62
    if few:
        per_kind["bit"] = np.left_shift(np.int64(1), per_kind["kind"].to_numpy().astype(np.int64))
    else:
        per_kind["bit"] = np.asarray(kind_u, dtype=object)[per_kind["kind"].to_numpy()]
    edges = (
        per_kind.groupby(["a", "b"], sort=True)
        .agg(
            weight=("c", "sum"),
            n_kinds=("kind", "size"),
            shared=("shared", "sum"),
            mask=("bit", "sum" if few else ",".join),
            tie=("tie", "max"),
        )
        .reset_index()
    )
    edges["weight"] = edges["weight"] * (1.0 + 0.25 * (edges["n_kinds"] - 1))
    edges = edges.loc[edges["weight"] >= settings.min_link_weight]
    if few:
        names = {
            int(mk): ",".join(str(kind_u[i]) for i in range(n_kinds) if int(mk) >> i & 1)
            for mk in pd.unique(edges["mask"])
        }
        kinds = edges["mask"].map(names)
    else:
        kinds = edges["mask"]
    merchant_arr = np.asarray(merchant_u, dtype=object)
    edges = pd.DataFrame(
        {
            "a": merchant_arr[edges["a"].to_numpy()],
            "b": merchant_arr[edges["b"].to_numpy()],
            "weight": edges["weight"].to_numpy(),
            "shared": edges["shared"].to_numpy().astype(np.int64),
            "kinds": kinds.to_numpy(dtype=object),
            # the strongest single shared identifier: what ring membership follows
            "tie": edges["tie"].to_numpy().round(4),
        }
    )
    return Links(edges=edges, identifiers=ids, memberships=memberships, weights=weight_table)


def _chance_holders(
    pairs: pd.DataFrame, pkind: np.ndarray, n_merchants: int, n_labels: int
) -> np.ndarray:
    """Per label: shops sharing an identifier of it with a shop they share no other kind
    with (what chance sharing looks like; see graphring/calibrate.py)."""
    a, b = pairs["m_a"].to_numpy().astype(np.int64), pairs["m_b"].to_numpy().astype(np.int64)
    pair = a * (n_merchants + 1) + b
    distinct = np.unique(np.stack([pair, pkind.astype(np.int64)]), axis=1)
    p, count = np.unique(distinct[0], return_counts=True)
    lonely = np.isin(pair, p[count == 1])
    stride = n_merchants + 1
    held = np.concatenate(
        [
            pairs["l_a"].to_numpy()[lonely].astype(np.int64) * stride + a[lonely],
            pairs["l_b"].to_numpy()[lonely].astype(np.int64) * stride + b[lonely],
        ]
    )
    return np.bincount(np.unique(held) // stride, minlength=n_labels)
