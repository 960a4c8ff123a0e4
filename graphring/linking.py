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
from graphring.stores.base import sorted_runs

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


def identifier_rarity(holders: np.ndarray, n_merchants: int) -> np.ndarray:
    """How rare an identifier held by ``holders`` shops of ``n_merchants`` is, 0.05..1: an
    IDF over the marketplace; on a small one (where every shop is "common") an identifier
    shared by few shops still counts: never less than 1 / log2(1 + holders).

    >>> identifier_rarity(np.array([2, 100, 10_000]), 10_000).round(3).tolist()
    [0.925, 0.5, 0.075]
    """
    n = max(n_merchants, 2)
    idf = np.log(n / holders) / np.log(n)
    return np.clip(np.maximum(idf, 1.0 / np.log2(1.0 + holders)), 0.05, 1.0)


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
    h = _holders(holdings, settings)
    shop_ids, kind_names, key_names, role_names, label_names = (
        h.shop_ids,
        h.kind_names,
        h.key_names,
        h.role_names,
        h.label_names,
    )
    holder_ident, holder_shop, holder_label, holder_role, holder_kind, holder_key = (
        h.ident,
        h.shop,
        h.label,
        h.role,
        h.kind,
        h.key,
    )
    holder_shipments = h.shipments
    del h
    holders_of = np.bincount(holder_ident)
    # holdings of each label (supernodes are services, not chance), for calibration: one
    # per (identifier, shop), so a shop with two phones counts twice (counting shops once
    # would cost a sort of every holding)
    countable = holders_of[holder_ident] <= settings.supernode_max_merchants
    label_holders = np.bincount(holder_label[countable], minlength=len(label_names))
    shared_row = holders_of[holder_ident] >= 2
    shared_idents = np.unique(holder_ident[shared_row])
    # the shared identifiers in (kind, key) order
    first_row = np.searchsorted(holder_ident, shared_idents)
    by_kind_key = pd.DataFrame(
        {
            "kind": holder_kind[first_row],
            "key": np.asarray(key_names.take(holder_key[first_row]), dtype=object),
        }
    ).sort_values(["kind", "key"], kind="stable")
    rank = np.empty(len(shared_idents), dtype=np.int64)
    rank[by_kind_key.index.to_numpy()] = np.arange(len(shared_idents))
    node = rank[np.searchsorted(shared_idents, holder_ident[shared_row])]
    # rows by node, then merchant (already in merchant order within a node)
    by_node = np.argsort(node, kind="stable")
    node = node[by_node]
    holder_shop, holder_label, holder_role, holder_kind, holder_key, holder_shipments = (
        x[shared_row][by_node]
        for x in (holder_shop, holder_label, holder_role, holder_kind, holder_key, holder_shipments)
    )
    holders_row = holders_of[holder_ident[shared_row]][by_node]

    node_start = np.flatnonzero(np.r_[True, node[1:] != node[:-1]]) if len(node) else node
    holders = holders_row[node_start]
    rarity = identifier_rarity(holders, n_merchants)
    ids = pd.DataFrame(
        {
            "node": np.arange(len(node_start)),
            "kind": np.asarray(kind_names, dtype=object)[holder_kind[node_start]],
            "key": np.asarray(key_names.take(holder_key[node_start]), dtype=object),
            "holders": holders.astype(np.int64),
            "rarity": rarity,
        }
    )
    ids["supernode"] = ids["holders"] > settings.supernode_max_merchants
    usable = ~ids["supernode"].to_numpy()[node]
    # every two holders of an identifier, once: rows (i, j), i < j, within a node; a node's
    # rows are in merchant order, so the first holder of a pair is the smaller shop code
    node_u, shop_u, label_u = node[usable], holder_shop[usable], holder_label[usable]
    i, j = _pairs_within(node_u)
    pair_node, m_a, m_b, l_a, l_b = node_u[i], shop_u[i], shop_u[j], label_u[i], label_u[j]
    del i, j, node_u, shop_u, label_u
    pair_kind = holder_kind[node_start][pair_node]

    # kind weights calibrated on the data (and verdicts): graphring/calibrate.py
    labels = [str(x) for x in label_names]
    chance = _chance_holders(m_a, m_b, l_a, l_b, pair_kind, len(shop_ids), len(label_names))
    weight_table = (
        weigh(labels, label_holders, chance)
        if weigh is not None
        else calibrate_weights(labels, label_holders, chance, settings, feedback)
    )
    label_weight = weight_table["weight"].to_numpy(dtype="float64")
    memberships = pd.DataFrame(
        {
            "node": node,
            "merchant_id": np.asarray(shop_ids, dtype=object)[holder_shop],
            "role": np.asarray(role_names, dtype=object)[holder_role],
            "shipments": holder_shipments,
            "w": label_weight[holder_label],
        }
    )
    services = find_services(
        pair_node,
        m_a,
        m_b,
        holders,
        settings.service_min_holders,
        settings.service_max_cohesion,
    )
    ids["service"] = services.service
    ids["cohesion"] = services.cohesion.round(4)
    ids["weight_factor"] = services.factor.round(4)
    contribution = (
        np.minimum(label_weight[l_a], label_weight[l_b])
        * rarity[pair_node]
        * services.factor[pair_node]
    )
    del l_a, l_b
    edges = _pair_links(
        m_a,
        m_b,
        pair_kind,
        contribution,
        np.asarray(kind_names, dtype=object),
        np.asarray(shop_ids, dtype=object),
        settings.min_link_weight,
    )
    return Links(edges=edges, identifiers=ids, memberships=memberships, weights=weight_table)


@dataclass
class _HolderRows:
    """One row per (identifier, shop) of the holdings, as codes: the identifier (numbered
    as first seen), shop, weight label, role, kind and key (each code into its names), the
    shop's parcels from there. The holding with the strongest configured weight gives a
    shop's role and label."""

    ident: np.ndarray
    shop: np.ndarray
    label: np.ndarray
    role: np.ndarray
    kind: np.ndarray
    key: np.ndarray
    shipments: np.ndarray
    shop_ids: np.ndarray
    kind_names: np.ndarray
    key_names: pd.Index
    role_names: np.ndarray
    label_names: np.ndarray


def _holders(holdings: pd.DataFrame, settings: Settings) -> _HolderRows:
    """:class:`_HolderRows` of ``holdings`` (rows with an empty key left out). Works on
    32-bit codes, and what it makes per holding is freed on return: at a million shops
    the holdings are ten million rows."""
    keyed = (holdings["key"] != "").to_numpy()
    every = bool(keyed.all())

    def column(name: str) -> pd.Series:
        col = holdings[name]
        return col if every else col[keyed]

    shop_code, shop_ids = _shop_codes(column("merchant_id"))
    kind_code, kind_names = pd.factorize(column("kind"), sort=True)
    # identifiers numbered as first seen here; only those two shops share are put in
    # (kind, key) order later -- sorting millions of keys held by one shop is wasted work
    key_code, key_names = pd.factorize(column("key"), sort=False)
    ident_code = pd.factorize(kind_code.astype(np.int64) * max(len(key_names), 1) + key_code)[0]
    role_code, role_names = pd.factorize(column("role").fillna(""), sort=True)
    shipments = column("shipments").to_numpy(dtype="int64")
    shop_code, kind_code, key_code, ident_code, role_code = (
        x.astype(np.int32) for x in (shop_code, kind_code, key_code, ident_code, role_code)
    )
    # the weight label of each distinct (kind, role), not of every holding
    kind_role, kind_role_code = np.unique(
        kind_code.astype(np.int64) * max(len(role_names), 1) + role_code, return_inverse=True
    )
    pair_label = link_weight_label(
        pd.Series(np.asarray(kind_names, dtype=object)[kind_role // max(len(role_names), 1)]),
        pd.Series(np.asarray(role_names, dtype=object)[kind_role % max(len(role_names), 1)]),
    )
    pair_label_code, label_names = pd.factorize(pair_label, sort=True)
    label_code = pair_label_code[kind_role_code.ravel()].astype(np.int32)
    del kind_role_code
    # configured weights pick each shop's strongest role (ranked: equal weights, one rank)
    configured = np.array([settings.kind_weight(x) for x in label_names], dtype="float64")
    strength = np.unique(-configured, return_inverse=True)[1].ravel().astype(np.int32)

    # one row per (identifier, shop): its strongest role, its shipments from there
    order = np.lexsort((role_code, strength[label_code], shop_code, ident_code))
    ident_sorted, shop_sorted = ident_code[order], shop_code[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (ident_sorted[1:] != ident_sorted[:-1]) | (shop_sorted[1:] != shop_sorted[:-1])
    holder_row = np.cumsum(first) - 1
    holder_shipments = np.bincount(holder_row, weights=shipments[order]).astype(np.int64)
    del holder_row, shipments
    return _HolderRows(
        ident=ident_sorted[first],
        shop=shop_sorted[first],
        label=label_code[order][first],
        role=role_code[order][first],
        kind=kind_code[order][first],
        key=key_code[order][first],
        shipments=holder_shipments,
        shop_ids=np.asarray(shop_ids, dtype=object),
        kind_names=np.asarray(kind_names, dtype=object),
        key_names=key_names,
        role_names=np.asarray(role_names, dtype=object),
        label_names=np.asarray(label_names, dtype=object),
    )


def _pairs_within(group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row positions (i, j), i < j, of every two rows of one group, in (i, j) order;
    ``group`` labels rows, each group's rows consecutive.

    >>> [x.tolist() for x in _pairs_within(np.array([5, 5, 5, 7, 9, 9]))]
    [[0, 0, 1, 4], [1, 2, 2, 5]]
    """
    n = len(group)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    sizes = np.diff(np.r_[starts, n])
    rows = np.arange(n, dtype=np.int64)
    after = np.repeat(starts + sizes, sizes) - rows - 1  # rows after i in its group
    i = np.repeat(rows, after)
    # j counts up from i + 1 within each run of i
    j = np.arange(len(i), dtype=np.int64)
    j -= np.repeat(np.cumsum(after) - after - rows - 1, after)
    return i, j


def _shop_codes(merchant_id: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(merchant_id, sort=True)``. Holdings come sorted by merchant
    (finish_holdings): then a code starts wherever the id changes (:func:`sorted_runs`)
    instead of hashing every row's id."""
    codes = sorted_runs(merchant_id)
    if codes is None:
        found, uniques = pd.factorize(merchant_id, sort=True)
        return found, np.asarray(uniques, dtype=object)
    starts = np.r_[True, codes[1:] != codes[:-1]] if len(codes) else np.zeros(0, bool)
    return codes, merchant_id.to_numpy(dtype=object)[starts]


def _pair_links(
    a: np.ndarray,
    b: np.ndarray,
    pair_kind: np.ndarray,
    contribution: np.ndarray,
    kind_names: np.ndarray,
    shop_ids: np.ndarray,
    min_weight: float,
) -> pd.DataFrame:
    """One link per pair of shops (codes ``a`` < ``b``) from what each shared identifier
    contributes: summed per kind (capped), kinds together count extra, links under
    ``min_weight`` dropped. Columns a, b (merchant ids), weight, shared, kinds, tie."""
    # per (pair, kind): summed contribution, capped -- several shared accounts say more than
    # one, but not without bound
    per_kind = pd.DataFrame({"a": a, "b": b, "kind": pair_kind, "c": contribution})
    per_kind = (
        per_kind.groupby(["a", "b", "kind"], sort=True)
        .agg(c=("c", "sum"), shared=("c", "size"), tie=("c", "max"))
        .reset_index()
    )
    per_kind["c"] = per_kind["c"].clip(upper=1.5)
    # the kinds a pair shares, as one label: a bitmask of kind codes while they fit in 62
    # bits (any kind is allowed, so a dataset may have more; then joined per pair)
    kind_count = len(kind_names)
    as_bits = kind_count <= 62
    if as_bits:
        per_kind["bit"] = np.left_shift(np.int64(1), per_kind["kind"].to_numpy().astype(np.int64))
    else:
        per_kind["bit"] = kind_names[per_kind["kind"].to_numpy()]
    edges = (
        per_kind.groupby(["a", "b"], sort=True)
        .agg(
            weight=("c", "sum"),
            n_kinds=("kind", "size"),
            shared=("shared", "sum"),
            mask=("bit", "sum" if as_bits else ",".join),
            tie=("tie", "max"),
        )
        .reset_index()
    )
    edges["weight"] = edges["weight"] * (1.0 + 0.25 * (edges["n_kinds"] - 1))
    edges = edges.loc[edges["weight"] >= min_weight]
    if as_bits:
        names = {
            int(mask): ",".join(str(kind_names[i]) for i in range(kind_count) if int(mask) >> i & 1)
            for mask in pd.unique(edges["mask"])
        }
        kinds = edges["mask"].map(names)
    else:
        kinds = edges["mask"]
    return pd.DataFrame(
        {
            "a": shop_ids[edges["a"].to_numpy()],
            "b": shop_ids[edges["b"].to_numpy()],
            "weight": edges["weight"].to_numpy(),
            "shared": edges["shared"].to_numpy().astype(np.int64),
            "kinds": kinds.to_numpy(dtype=object),
            # the strongest single shared identifier: what ring membership follows
            "tie": edges["tie"].to_numpy().round(4),
        }
    )


def _chance_holders(
    m_a: np.ndarray,
    m_b: np.ndarray,
    l_a: np.ndarray,
    l_b: np.ndarray,
    pkind: np.ndarray,
    n_merchants: int,
    n_labels: int,
) -> np.ndarray:
    """Per label: shops sharing an identifier of it with a shop they share no other kind
    with (what chance sharing looks like; see graphring/calibrate.py). One row per
    (identifier, pair of its holders): shop codes ``m_a`` < ``m_b``, their labels."""
    a, b = m_a.astype(np.int64), m_b.astype(np.int64)
    pair = a * (n_merchants + 1) + b
    # distinct (pair, kind) as one integer each: a pair, then its kind in the low digits
    kinds = int(pkind.max()) + 1 if len(pkind) else 1
    distinct = np.unique(pair * kinds + pkind.astype(np.int64)) // kinds
    p, count = np.unique(distinct, return_counts=True)
    lonely = np.isin(pair, p[count == 1])
    stride = n_merchants + 1
    held = np.concatenate(
        [
            l_a[lonely].astype(np.int64) * stride + a[lonely],
            l_b[lonely].astype(np.int64) * stride + b[lonely],
        ]
    )
    return np.bincount(np.unique(held) // stride, minlength=n_labels)
