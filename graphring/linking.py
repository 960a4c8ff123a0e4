"""Shared identifiers -> weighted merchant-merchant links.

A link between two shops weighs more the rarer the identifiers they share (an IDF over the
number of shops holding each, floored for small marketplaces) and the more different kinds
they share. An identifier held by more than ``supernode_max_merchants`` shops (a national
fulfilment hub, a platform escrow account) is a supernode: it links nobody and is listed
in run.json instead. An identifier many shops share that its holders share little else
beside is a service (:mod:`graphring.services`): its links are down-weighted.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graphring.calibrate import calibrate_weights
from graphring.config import Settings
from graphring.services import find_services
from graphring.stores.base import HeldCodes, identifiers, key_codes, sorted_runs

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
    codes: HeldCodes | None = None,
) -> Links:
    """Link shops through what they share. ``holdings`` has :data:`HOLDING_COLUMNS`;
    ``codes``, its rows as codes when the store made them (used when they fit it).

    The work is done on integer codes (merchants, identifiers, kinds, roles factorized in
    sorted order), so the output order follows merchant ids and (kind, key).

    ``weigh(labels, holders, chance)`` makes the weight table from the sharing counted
    here (:func:`graphring.calibrate.calibrate_weights` by default): a caller that links
    part of a marketplace (Spark, component group by group) counts the whole one itself
    and hands in its table, one row per label in ``labels``' order.
    """
    h = _holders(holdings, settings, codes if codes is not None and codes.fits(holdings) else None)
    shop_ids, kind_names, key_names, role_names, label_names = (
        h.shop_ids,
        h.kind_names,
        h.key_names,
        h.role_names,
        h.label_names,
    )
    holder_ident, holder_shop, holder_label, holder_role, holder_kind = (
        h.ident,
        h.shop,
        h.label,
        h.role,
        h.kind,
    )
    holder_shipments = h.shipments
    del h
    holders_of = np.bincount(holder_ident)
    # holdings of each label (supernodes are services, not chance), for calibration: one
    # per (identifier, shop), so a shop with two phones counts twice (counting shops once
    # would cost a sort of every holding)
    countable = holders_of[holder_ident] <= settings.supernode_max_merchants
    label_holders = np.bincount(holder_label[countable], minlength=len(label_names))
    del countable
    shared_row = holders_of[holder_ident] >= 2
    shared_idents = np.flatnonzero(holders_of >= 2)
    # the shared identifiers in (kind, key) order (any row of one tells its kind and key)
    row_of = np.zeros(len(holders_of), dtype=np.int64)
    row_of[holder_ident] = np.arange(len(holder_ident))
    first_row = row_of[shared_idents]
    del row_of
    kind_key = _kind_key_order(holder_kind[first_row], key_names[shared_idents])
    node_of = np.zeros(len(holders_of), dtype=np.int64)
    node_of[shared_idents[kind_key]] = np.arange(len(shared_idents))
    node = node_of[holder_ident[shared_row]]
    del node_of
    # rows by node, then merchant (in merchant order within an identifier already)
    by_node = np.argsort(node, kind="stable")
    node = node[by_node]
    holder_shop, holder_label, holder_role, holder_kind, holder_ident, holder_shipments = (
        x[shared_row][by_node]
        for x in (
            holder_shop,
            holder_label,
            holder_role,
            holder_kind,
            holder_ident,
            holder_shipments,
        )
    )
    del shared_row, by_node, first_row, kind_key, shared_idents
    node_start = np.flatnonzero(np.r_[True, node[1:] != node[:-1]]) if len(node) else node
    holders = holders_of[holder_ident[node_start]]
    del holders_of
    rarity = identifier_rarity(holders, n_merchants)
    ids = pd.DataFrame(
        {
            "node": np.arange(len(node_start)),
            "kind": np.asarray(kind_names, dtype=object)[holder_kind[node_start]],
            "key": key_names[holder_ident[node_start]],
            "holders": holders.astype(np.int64),
            "rarity": rarity,
        }
    )
    del key_names, holder_ident  # the holdings' identifiers: millions at a million shops
    ids["supernode"] = ids["holders"] > settings.supernode_max_merchants
    usable = ~ids["supernode"].to_numpy()[node]
    # every two holders of an identifier, once: rows (i, j), i < j, within a node; a node's
    # rows are in merchant order, so the first holder of a pair is the smaller shop code
    node_u, shop_u, label_u = node[usable], holder_shop[usable], holder_label[usable]
    i, j = _pairs_within(node_u)
    pairs = _PairRows.of(
        node_u[i],
        shop_u[i],
        shop_u[j],
        label_u[i],
        label_u[j],
        holder_kind[node_start],
        len(shop_ids),
    )
    del i, j, node_u, shop_u, label_u

    # kind weights calibrated on the data (and verdicts): graphring/calibrate.py
    labels = [str(x) for x in label_names]
    chance = _chance_holders(pairs, len(label_names))
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
        pairs.node,
        pairs.again(),
        holders,
        settings.service_min_holders,
        settings.service_max_cohesion,
    )
    ids["service"] = services.service
    ids["cohesion"] = services.cohesion.round(4)
    ids["weight_factor"] = services.factor.round(4)
    contribution = (
        np.minimum(label_weight[pairs.label_a], label_weight[pairs.label_b])
        * rarity[pairs.node]
        * services.factor[pairs.node]
    )
    edges = _pair_links(
        pairs,
        contribution,
        np.asarray(kind_names, dtype=object),
        np.asarray(shop_ids, dtype=object),
        settings.min_link_weight,
    )
    return Links(edges=edges, identifiers=ids, memberships=memberships, weights=weight_table)


@dataclass
class _HolderRows:
    """One row per (identifier, shop) of the holdings, as codes: the identifier, shop,
    weight label, role and kind (each code into its names), the shop's parcels from
    there; an identifier's rows in shop order. The holding with the strongest configured
    weight gives a shop's role and label."""

    ident: np.ndarray
    shop: np.ndarray
    label: np.ndarray
    role: np.ndarray
    kind: np.ndarray
    shipments: np.ndarray
    shop_ids: np.ndarray
    kind_names: np.ndarray
    #: each identifier's key
    key_names: np.ndarray
    role_names: np.ndarray
    label_names: np.ndarray


def _holders(
    holdings: pd.DataFrame, settings: Settings, codes: HeldCodes | None = None
) -> _HolderRows:
    """:class:`_HolderRows` of ``holdings`` (rows with an empty key left out), from
    ``codes`` when given (they are ``holdings``' rows). Works on 32-bit codes, and what it
    makes per holding is freed on return: at a million shops the holdings are ten million
    rows."""
    if codes is not None:
        # each identifier's key compared once, not once per holding
        keyed = (codes.key_names != "")[codes.ident]
    else:
        keyed = (holdings["key"] != "").to_numpy()
    every = bool(keyed.all())

    def column(name: str) -> pd.Series:
        col = holdings[name]
        return col if every else col[keyed]

    keys = column("key").to_numpy(dtype=object)
    if codes is not None:
        shop_code, shop_ids, shop_sorted = _present(codes.shop, codes.shop_names, keyed, every)
        kind_code, kind_names, _ = _present(codes.kind, codes.kind_names, keyed, every)
        role_code, role_names, _ = _present(codes.role, codes.role_names, keyed, every)
        ident_code, key_names = codes.ident if every else codes.ident[keyed], codes.key_names
    else:
        shop_code, shop_ids, shop_sorted = _shop_codes(column("merchant_id"))
        kind_code, kind_names = pd.factorize(column("kind"), sort=True)
        ident_code, key_names = _identifiers(kind_code, len(kind_names), keys)
        role_code, role_names = pd.factorize(column("role").fillna(""), sort=True)
    shipments = column("shipments").to_numpy(dtype="int64")
    shop_code, kind_code, ident_code, role_code = (
        x.astype(np.int32) for x in (shop_code, kind_code, ident_code, role_code)
    )
    # the weight label of each distinct (kind, role), not of every holding
    n_roles = max(len(role_names), 1)
    kind_role_code, kind_role = _small_codes(kind_code.astype(np.int64) * n_roles + role_code)
    pair_label = link_weight_label(
        pd.Series(np.asarray(kind_names, dtype=object)[kind_role // n_roles]),
        pd.Series(np.asarray(role_names, dtype=object)[kind_role % n_roles]),
    )
    pair_label_code, label_names = pd.factorize(pair_label, sort=True)
    label_code = pair_label_code[kind_role_code].astype(np.int32)
    del kind_role_code
    # configured weights pick each shop's strongest role (ranked: equal weights, one rank)
    configured = np.array([settings.kind_weight(x) for x in label_names], dtype="float64")
    strength = np.unique(-configured, return_inverse=True)[1].ravel().astype(np.int32)
    preference = strength[label_code].astype(np.int64) * n_roles + role_code

    # one row per (identifier, shop): its strongest role, its shipments from there
    unsorted = _shops_out_of_order(shop_code, kind_code, keys) if shop_sorted else None
    if unsorted is None:
        pick, holder_shipments = _strongest_sorted(shop_code, ident_code, preference, shipments)
    elif len(unsorted) == 0:
        pick, holder_shipments = _strongest_adjacent(shop_code, ident_code, preference, shipments)
    else:
        # those shops' rows by identifier, in place: shops stay in order
        order = np.arange(len(shop_code))
        order[unsorted] = unsorted[np.lexsort((ident_code[unsorted], shop_code[unsorted]))]
        pick, holder_shipments = _strongest_adjacent(
            *(x[order] for x in (shop_code, ident_code, preference, shipments))
        )
        pick = order[pick]
        del order
    del shipments, preference
    return _HolderRows(
        ident=ident_code[pick],
        shop=shop_code[pick],
        label=label_code[pick],
        role=role_code[pick],
        kind=kind_code[pick],
        shipments=holder_shipments,
        shop_ids=np.asarray(shop_ids, dtype=object),
        kind_names=np.asarray(kind_names, dtype=object),
        key_names=key_names,
        role_names=np.asarray(role_names, dtype=object),
        label_names=np.asarray(label_names, dtype=object),
    )


def _present(
    code: np.ndarray, names: np.ndarray, keep: np.ndarray, every: bool
) -> tuple[np.ndarray, np.ndarray, bool]:
    """``code`` (positions in sorted ``names``) of the rows ``keep`` selects, renumbered
    over the names those rows hold (as ``pd.factorize(..., sort=True)`` of their text
    numbers them), the names held, and whether the codes ascend."""
    kept = code if every else code[keep]
    renumbered, held = _small_codes(kept)
    ascending = bool((kept[1:] >= kept[:-1]).all()) if len(kept) else True
    return renumbered, np.asarray(names, dtype=object)[held], ascending


def _identifiers(kind: np.ndarray, n_kinds: int, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's identifier, its (``kind`` code, key) numbered, and each identifier's key.
    Text keys are hashed by Arrow (:func:`graphring.stores.base.identifiers`: "a" and
    "a\\x00" are two keys, as the holdings keep them); other keys by pandas, one kind at a
    time (smaller tables)."""
    try:
        text = pa.array(keys, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        text = None
    if text is not None and not text.null_count:
        ident, first = identifiers(kind, key_codes(text))
        return ident, keys[first]
    ident = np.empty(len(keys), dtype=np.int64)
    names: list[np.ndarray] = []
    numbered = 0
    by_kind = np.argsort(kind.astype(np.int16 if n_kinds < 2**15 else np.int32), kind="stable")
    bounds = np.searchsorted(kind[by_kind], np.arange(n_kinds + 1))
    for start, end in itertools.pairwise(bounds):
        rows = by_kind[start:end]
        code, uniques = pd.factorize(keys[rows], use_na_sentinel=False)
        ident[rows] = code + numbered
        numbered += len(uniques)
        names.append(np.asarray(uniques, dtype=object))
    return ident, np.concatenate(names) if names else np.zeros(0, dtype=object)


def _kind_key_order(kind: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Positions of (``kind`` code, ``key`` text) pairs, all different, in ascending order:
    Arrow's sort of the text where it can hold it (its byte order is the code point order
    Python compares in), pandas' otherwise."""
    try:
        text = pa.array(key, type=pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        text = None
    if text is None or text.null_count:
        frame = pd.DataFrame({"kind": kind, "key": key})
        return frame.sort_values(["kind", "key"], kind="stable").index.to_numpy()
    table = pa.table({"kind": kind, "key": text})
    order = pc.sort_indices(table, sort_keys=[("kind", "ascending"), ("key", "ascending")])
    return np.asarray(order, dtype=np.int64)


def _small_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` reversed, for non-negative integers of a
    small range: codes, then the distinct values (counted, not sorted).

    >>> [x.tolist() for x in _small_codes(np.array([7, 2, 7, 5]))]
    [[2, 0, 2, 1], [2, 5, 7]]
    """
    present = np.bincount(values) > 0 if len(values) else np.zeros(0, dtype=bool)
    code = np.cumsum(present) - 1
    return code[values], np.flatnonzero(present)


def _shops_out_of_order(shop: np.ndarray, kind: np.ndarray, keys: np.ndarray) -> np.ndarray | None:
    """Rows (in ``shop`` order) of the shops whose holdings are not in (kind, key) order,
    as finish_holdings leaves them and add_places does not (a shop's places come after
    its other holdings): elsewhere a shop's holdings of one identifier are side by side.
    None if the keys cannot be compared."""
    if len(shop) < 2:
        return np.zeros(0, dtype=np.int64)
    same_shop = shop[1:] == shop[:-1]
    down = same_shop & (kind[1:] < kind[:-1])
    same_kind = np.flatnonzero(same_shop & (kind[1:] == kind[:-1]))
    try:
        down[same_kind] = keys[same_kind + 1] < keys[same_kind]
    except TypeError:  # keys that are not all text: no order to rely on
        return None
    if not down.any():
        return np.zeros(0, dtype=np.int64)
    flagged = np.zeros(int(shop[-1]) + 1, dtype=bool)
    flagged[shop[:-1][down]] = True
    return np.flatnonzero(flagged[shop])


def _strongest_adjacent(
    shop: np.ndarray, ident: np.ndarray, preference: np.ndarray, shipments: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per run of rows of one (shop, identifier): the row with the least ``preference``
    (the first of equals), the run's shipments summed."""
    new = np.ones(len(shop), dtype=bool)
    new[1:] = (shop[1:] != shop[:-1]) | (ident[1:] != ident[:-1])
    starts = np.flatnonzero(new)
    if len(starts) == len(shop):
        return starts, shipments
    run = np.cumsum(new) - 1
    best = np.flatnonzero(preference == np.minimum.reduceat(preference, starts)[run])
    best_run = run[best]
    pick = best[np.r_[True, best_run[1:] != best_run[:-1]]]
    return pick, np.add.reduceat(shipments, starts)


def _strongest_sorted(
    shop: np.ndarray, ident: np.ndarray, preference: np.ndarray, shipments: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_strongest_adjacent` for rows in any order: sorted by (identifier, shop)."""
    order = np.lexsort((preference, shop, ident))
    ident_sorted, shop_sorted = ident[order], shop[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (ident_sorted[1:] != ident_sorted[:-1]) | (shop_sorted[1:] != shop_sorted[:-1])
    holder_row = np.cumsum(first) - 1
    holder_shipments = np.bincount(holder_row, weights=shipments[order]).astype(np.int64)
    return order[first], holder_shipments


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


def _shop_codes(merchant_id: pd.Series) -> tuple[np.ndarray, np.ndarray, bool]:
    """``pd.factorize(merchant_id, sort=True)``, and whether the ids were in order.
    Holdings come sorted by merchant (finish_holdings): then a code starts wherever the id
    changes (:func:`sorted_runs`) instead of hashing every row's id."""
    codes = sorted_runs(merchant_id)
    if codes is None:
        found, uniques = pd.factorize(merchant_id, sort=True)
        return found, np.asarray(uniques, dtype=object), False
    starts = np.r_[True, codes[1:] != codes[:-1]] if len(codes) else np.zeros(0, bool)
    return codes, merchant_id.to_numpy(dtype=object)[starts], True


@dataclass
class _PairRows:
    """One row per (identifier, pair of its holders), in pair order: shop codes a < b as
    one number, ``a * stride + b``; a pair's rows keep the order they were made in, by
    identifier, so by kind (identifiers are numbered in (kind, key) order). The runs of one
    pair and of one (pair, kind) are what the chance count, the services and the links
    each go over: one sort serves them all."""

    pair: np.ndarray
    node: np.ndarray
    kind: np.ndarray
    label_a: np.ndarray
    label_b: np.ndarray
    stride: int
    #: the row each pair's run starts at
    pair_start: np.ndarray
    #: the row each (pair, kind) run starts at
    kind_start: np.ndarray
    #: the (pair, kind) run each pair's runs start at
    pair_first_run: np.ndarray

    @classmethod
    def of(
        cls,
        node: np.ndarray,
        a: np.ndarray,
        b: np.ndarray,
        label_a: np.ndarray,
        label_b: np.ndarray,
        node_kind: np.ndarray,
        n_shops: int,
    ) -> _PairRows:
        """Rows (identifier ``node``, shops ``a`` < ``b``, their labels) in node order, each
        node's kind ``node_kind[node]``, sorted by pair."""
        stride = n_shops + 1
        pair = a.astype(np.int64) * stride + b
        order = np.argsort(pair, kind="stable")
        pair = pair[order]
        node = node[order]
        kind = node_kind[node]
        new_pair = np.ones(len(pair), dtype=bool)
        new_pair[1:] = pair[1:] != pair[:-1]
        new_kind = new_pair.copy()
        new_kind[1:] |= kind[1:] != kind[:-1]
        kind_start = np.flatnonzero(new_kind)
        return cls(
            pair=pair,
            node=node,
            kind=kind,
            label_a=label_a[order],
            label_b=label_b[order],
            stride=stride,
            pair_start=np.flatnonzero(new_pair),
            kind_start=kind_start,
            pair_first_run=np.flatnonzero(new_pair[kind_start]),
        )

    def pair_rows(self) -> np.ndarray:
        """Rows of each pair."""
        return np.diff(np.r_[self.pair_start, len(self.pair)])

    def pair_kinds(self) -> np.ndarray:
        """Kinds each pair shares."""
        return np.diff(np.r_[self.pair_first_run, len(self.kind_start)])

    def again(self) -> np.ndarray:
        """Per row: its pair is tied by another identifier too."""
        sizes = self.pair_rows()
        return np.repeat(sizes >= 2, sizes)


def _group_sums(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sums of the runs of ``values`` that begin at ``starts`` (increasing, the first 0),
    added in order with pandas' compensated (Kahan) summation: ``groupby(...).sum()`` bit
    for bit. One step per position in a run, each over the runs that long.

    >>> _group_sums(np.array([1.0, 1e-16, 1e-16, 2.0]), np.array([0, 3])).tolist()
    [1.0000000000000002, 2.0]
    """
    sizes = np.diff(np.r_[starts, len(values)])
    total = np.zeros(len(starts))
    compensation = np.zeros(len(starts))
    live = np.arange(len(starts))
    step = 0
    while len(live):
        y = values[starts[live] + step] - compensation[live]
        before = total[live]
        after = before + y
        c = (after - before) - y
        # pandas: an infinite term makes the compensation NaN, which it resets
        compensation[live] = np.where(c != c, 0.0, c)
        total[live] = after
        step += 1
        live = live[sizes[live] > step]
    return total


def _pair_links(
    pairs: _PairRows,
    contribution: np.ndarray,
    kind_names: np.ndarray,
    shop_ids: np.ndarray,
    min_weight: float,
) -> pd.DataFrame:
    """One link per pair of shops from what each shared identifier contributes (per row
    of ``pairs``): summed per kind (capped), kinds together count extra, links under
    ``min_weight`` dropped. Columns a, b (merchant ids), weight, shared, kinds, tie."""
    if len(pairs.pair) == 0:
        no = np.zeros(0, dtype=object)
        return pd.DataFrame(
            {"a": no, "b": no, "weight": np.zeros(0), "shared": np.zeros(0, dtype=np.int64)}
        ).assign(kinds=no, tie=np.zeros(0))
    # per (pair, kind): summed contribution, capped -- several shared accounts say more than
    # one, but not without bound
    runs = pairs.kind_start
    per_kind = np.minimum(_group_sums(contribution, runs), 1.5)
    tie = np.maximum.reduceat(np.maximum.reduceat(contribution, runs), pairs.pair_first_run)
    n_kinds = pairs.pair_kinds()
    weight = _group_sums(per_kind, pairs.pair_first_run) * (1.0 + 0.25 * (n_kinds - 1))
    keep = weight >= min_weight
    # the kinds a pair shares, as one label: a bitmask of kind codes while they fit in 62
    # bits (any kind is allowed, so a dataset may have more; then joined per pair)
    run_kind = pairs.kind[runs]
    kind_count = len(kind_names)
    if kind_count <= 62:
        bits = np.left_shift(np.int64(1), run_kind.astype(np.int64))
        mask = pd.Series(np.bitwise_or.reduceat(bits, pairs.pair_first_run)[keep])
        names = {
            int(m): ",".join(str(kind_names[i]) for i in range(kind_count) if int(m) >> i & 1)
            for m in pd.unique(mask)
        }
        kinds = mask.map(names).to_numpy(dtype=object)
    else:
        pair_of_run = np.repeat(np.arange(len(n_kinds)), n_kinds)
        joined = pd.Series(kind_names[run_kind]).groupby(pair_of_run, sort=False).agg(",".join)
        kinds = joined.to_numpy(dtype=object)[keep]
    pair = pairs.pair[pairs.pair_start[keep]]
    return pd.DataFrame(
        {
            "a": shop_ids[pair // pairs.stride],
            "b": shop_ids[pair % pairs.stride],
            "weight": weight[keep],
            "shared": pairs.pair_rows()[keep].astype(np.int64),
            "kinds": kinds,
            # the strongest single shared identifier: what ring membership follows
            "tie": tie[keep].round(4),
        }
    )


#: Above this many (label, shop) cells, shops per label are counted by sorting instead
#: of marking a table of them.
_TABLE_CELLS = 1 << 27


def _chance_holders(pairs: _PairRows, n_labels: int, table_cells: int = _TABLE_CELLS) -> np.ndarray:
    """Per label: shops sharing an identifier of it with a shop they share no other kind
    with (what chance sharing looks like; see graphring/calibrate.py)."""
    sizes = pairs.pair_rows()
    lonely = np.repeat(pairs.pair_kinds() == 1, sizes)
    pair = pairs.pair[lonely]
    stride = pairs.stride
    label = np.concatenate([pairs.label_a[lonely], pairs.label_b[lonely]]).astype(np.int64)
    shop = np.concatenate([pair // stride, pair % stride])
    del pair, lonely
    cell = label * stride + shop
    if n_labels * stride <= table_cells:
        held = np.zeros(n_labels * stride, dtype=bool)
        held[cell] = True
        return held.reshape(n_labels, stride).sum(axis=1)
    cell.sort()
    first = np.ones(len(cell), dtype=bool)
    first[1:] = cell[1:] != cell[:-1]
    return np.bincount(cell[first] // stride, minlength=n_labels)
