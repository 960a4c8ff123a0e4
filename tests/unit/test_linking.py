import numpy as np
import pandas as pd

from graphring.config import Settings
from graphring.linking import (
    _chance_holders,
    _group_sums,
    _pair_links,
    _PairRows,
    _pairs_within,
    _strongest_adjacent,
    _strongest_sorted,
    build_links,
)


def holdings(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(m, k, key, role, 0) for m, k, key, role in rows],
        columns=["merchant_id", "kind", "key", "role", "shipments"],
    )


def test_rarer_identifier_weighs_more() -> None:
    rows = [("A", "account", "acc1", ""), ("B", "account", "acc1", "")]
    rows += [(f"P{i}", "account", "acc2", "") for i in range(20)]
    # twenty holders who share nothing else would make acc2 a service: rarity alone here
    links = build_links(holdings(rows), 1000, Settings(service_min_holders=50))
    e = links.edges.set_index(["a", "b"])["weight"]
    assert e[("A", "B")] > e[("P0", "P1")]


def test_more_kinds_shared_weighs_more_than_the_sum() -> None:
    one = holdings([("A", "account", "x", ""), ("B", "account", "x", "")])
    two = holdings(
        [
            ("A", "account", "x", ""),
            ("B", "account", "x", ""),
            ("A", "device", "d", ""),
            ("B", "device", "d", ""),
        ]
    )
    w1 = build_links(one, 1000, Settings()).edges["weight"].iloc[0]
    w2 = build_links(two, 1000, Settings()).edges
    assert w2["kinds"].iloc[0] == "account,device"
    device_alone = build_links(two.iloc[2:], 1000, Settings()).edges["weight"].iloc[0]
    assert w2["weight"].iloc[0] > w1 + device_alone


def test_supernode_links_nobody_and_is_listed() -> None:
    rows = [(f"S{i:03d}", "address", "hub", "origin") for i in range(150)]
    rows += [("S001", "phone", "+861", ""), ("S002", "phone", "+861", "")]
    links = build_links(holdings(rows), 5000, Settings(supernode_max_merchants=100))
    assert links.supernodes.to_dict("records") == [
        {"kind": "address", "key": "hub", "holders": 150}
    ]
    assert links.edges[["a", "b"]].values.tolist() == [["S001", "S002"]]


def test_weak_role_links_are_pruned() -> None:
    # two honest shops registered in one building: a registered address alone is weak
    rows = [("A", "address", "mall", "registered"), ("B", "address", "mall", "registered")]
    assert build_links(holdings(rows), 10_000, Settings(min_link_weight=0.3)).edges.empty
    rows = [("A", "address", "wh", "warehouse"), ("B", "address", "wh", "warehouse")]
    assert len(build_links(holdings(rows), 10_000, Settings(min_link_weight=0.3)).edges) == 1


def test_weaker_role_of_the_two_counts() -> None:
    mixed = holdings([("A", "address", "x", "warehouse"), ("B", "address", "x", "registered")])
    both = holdings([("A", "address", "x", "warehouse"), ("B", "address", "x", "warehouse")])
    s = Settings(min_link_weight=0.0)
    assert (
        build_links(mixed, 100, s).edges["weight"].iloc[0]
        < build_links(both, 100, s).edges["weight"].iloc[0]
    )


def test_kinds_of_a_link_are_named_past_sixty_four_kinds() -> None:
    # the contract accepts any identifier kind: a bitmask of 64 bits cannot hold 70 of them
    rows = [(m, f"k{i:02d}", f"v{i}", "") for i in range(70) for m in ("A", "B")]
    rows += [(m, "k69", "w", "") for m in ("C", "D")] + [(m, "k03", "u", "") for m in "CD"]
    links = build_links(holdings(rows), 1000, Settings())
    kinds = links.edges.set_index(["a", "b"])["kinds"]
    assert kinds[("A", "B")] == ",".join(f"k{i:02d}" for i in range(70))
    assert kinds[("C", "D")] == "k03,k69"


def test_every_two_holders_of_an_identifier_are_paired_once_as_a_self_join_would() -> None:
    # the definition: join the rows of each group with each other, keep i < j
    rng = np.random.default_rng(5)
    for _ in range(50):
        group = np.sort(rng.integers(0, rng.integers(1, 30), size=rng.integers(0, 80)))
        rows = pd.DataFrame({"g": group, "r": np.arange(len(group))})
        joined = rows.merge(rows, on="g")
        joined = joined.loc[joined["r_x"] < joined["r_y"]]
        i, j = _pairs_within(group)
        assert i.tolist() == joined["r_x"].tolist()
        assert j.tolist() == joined["r_y"].tolist()


def test_links_are_the_same_whatever_order_the_holdings_come_in() -> None:
    rng = np.random.default_rng(8)
    n = 400
    holdings = pd.DataFrame(
        {
            "merchant_id": [f"M{i:03d}" for i in rng.integers(0, 120, n)],
            "kind": rng.choice(["address", "phone", "account", "device"], n),
            "key": [f"k{i}" for i in rng.integers(0, 60, n)],
            "role": rng.choice(["warehouse", "return", "", "origin"], n),
            "shipments": rng.integers(0, 4, n),
        }
    )
    settings = Settings()
    one = build_links(holdings, 120, settings)
    two = build_links(holdings.sample(frac=1.0, random_state=3), 120, settings)
    pd.testing.assert_frame_equal(one.edges, two.edges)
    pd.testing.assert_frame_equal(one.identifiers, two.identifiers)


def test_run_sums_are_pandas_groupby_sums_bit_for_bit() -> None:
    # pandas sums a group in row order with compensation: the links' weights must not move
    rng = np.random.default_rng(11)
    for _ in range(30):
        group = np.sort(rng.integers(0, rng.integers(1, 40), size=rng.integers(1, 300)))
        values = rng.random(len(group)) * 10.0 ** rng.integers(-17, 3, len(group))
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        want = pd.Series(values).groupby(group, sort=True).sum().to_numpy()
        assert _group_sums(values, starts).tobytes() == want.tobytes()


def random_pairs(rng: np.random.Generator, n_shops: int, n_kinds: int) -> tuple[_PairRows, dict]:
    """Pair rows as build_links makes them: in node order, nodes numbered in kind order."""
    n_nodes = int(rng.integers(1, 60))
    node_kind = np.sort(rng.integers(0, n_kinds, n_nodes))
    rows = []
    for node in range(n_nodes):
        shops = np.sort(rng.choice(n_shops, size=int(rng.integers(2, 6)), replace=False))
        rows += [(node, a, b) for k, a in enumerate(shops) for b in shops[k + 1 :]]
    node, a, b = np.array(rows).T
    label_a, label_b = rng.integers(0, 4, len(node)), rng.integers(0, 4, len(node))
    raw = {"node": node, "a": a, "b": b, "la": label_a, "lb": label_b, "kind": node_kind[node]}
    return _PairRows.of(node, a, b, label_a, label_b, node_kind, n_shops), raw


def old_pair_links(
    raw: dict, c: np.ndarray, kind_names: np.ndarray, min_weight: float
) -> pd.DataFrame:
    """The links as pandas' groupby made them (the definition)."""
    per_kind = pd.DataFrame({"a": raw["a"], "b": raw["b"], "kind": raw["kind"], "c": c})
    per_kind = (
        per_kind.groupby(["a", "b", "kind"], sort=True)
        .agg(c=("c", "sum"), shared=("c", "size"), tie=("c", "max"))
        .reset_index()
    )
    per_kind["c"] = per_kind["c"].clip(upper=1.5)
    per_kind["name"] = kind_names[per_kind["kind"].to_numpy()]
    edges = (
        per_kind.groupby(["a", "b"], sort=True)
        .agg(
            weight=("c", "sum"),
            n_kinds=("kind", "size"),
            shared=("shared", "sum"),
            kinds=("name", ",".join),
            tie=("tie", "max"),
        )
        .reset_index()
    )
    edges["weight"] = edges["weight"] * (1.0 + 0.25 * (edges["n_kinds"] - 1))
    return edges.loc[edges["weight"] >= min_weight]


def test_pair_links_sum_as_grouping_by_pair_and_kind_did() -> None:
    rng = np.random.default_rng(12)
    for n_kinds in (3, 70):
        kind_names = np.array([f"k{i:02d}" for i in range(n_kinds)], dtype=object)
        for _ in range(40):
            pairs, raw = random_pairs(rng, 12, n_kinds)
            # what an identifier contributes to a pair: any number of its node and shops
            of_node, of_shop = rng.random(100) * 0.9, rng.random(12) * 10.0 ** rng.integers(-9, 1)
            a, b = pairs.pair // pairs.stride, pairs.pair % pairs.stride
            c = of_node[pairs.node] * (1 - of_shop[a]) * (1 - of_shop[b] / 2)
            shop_ids = np.array([f"S{i:02d}" for i in range(12)], dtype=object)
            got = _pair_links(pairs, c, kind_names, shop_ids, 0.3)
            c = of_node[raw["node"]] * (1 - of_shop[raw["a"]]) * (1 - of_shop[raw["b"]] / 2)
            want = old_pair_links(raw, c, kind_names, 0.3)
            expected = pd.DataFrame(
                {
                    "a": shop_ids[want["a"].to_numpy()],
                    "b": shop_ids[want["b"].to_numpy()],
                    "weight": want["weight"].to_numpy(),
                    "shared": want["shared"].to_numpy().astype(np.int64),
                    "kinds": want["kinds"].to_numpy(dtype=object),
                    "tie": want["tie"].to_numpy().round(4),
                }
            )
            pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_chance_holders_count_shops_sharing_one_kind_only_with_someone() -> None:
    rng = np.random.default_rng(13)
    for _ in range(40):
        pairs, raw = random_pairs(rng, 15, 3)
        # the definition: pairs sharing one kind; their holders' (label, shop), once each
        kinds_of = pd.DataFrame(raw).groupby(["a", "b"])["kind"].nunique()
        lonely = kinds_of[kinds_of == 1].index
        rows = pd.DataFrame(raw).set_index(["a", "b"]).loc[lonely].reset_index()
        held = pd.concat(
            [
                rows[["la", "a"]].set_axis(["label", "shop"], axis=1),
                rows[["lb", "b"]].set_axis(["label", "shop"], axis=1),
            ]
        ).drop_duplicates()
        want = np.bincount(held["label"], minlength=4)
        assert _chance_holders(pairs, 4).tolist() == want.tolist()
        assert _chance_holders(pairs, 4, table_cells=0).tolist() == want.tolist()


def test_a_pair_is_tied_again_when_another_identifier_ties_it_too() -> None:
    rng = np.random.default_rng(14)
    for _ in range(20):
        pairs, raw = random_pairs(rng, 10, 3)
        key = pd.Series(raw["a"] * 11 + raw["b"])
        want = pd.DataFrame({"node": raw["node"], "again": key.duplicated(keep=False)})
        got = pd.DataFrame({"node": pairs.node, "again": pairs.again()})
        sort = ["node", "again"]
        pd.testing.assert_frame_equal(
            got.sort_values(sort, ignore_index=True), want.sort_values(sort, ignore_index=True)
        )


def test_holdings_in_store_order_link_as_holdings_in_any_order() -> None:
    # stores hand holdings sorted by (merchant, kind, key, role): then a shop's holdings of
    # one identifier are found side by side instead of sorted for
    rng = np.random.default_rng(15)
    for _ in range(10):
        n = int(rng.integers(50, 600))
        holdings = pd.DataFrame(
            {
                "merchant_id": [f"M{i:03d}" for i in rng.integers(0, 80, n)],
                "kind": rng.choice(["address", "phone", "account", "ip"], n),
                # the same text as two kinds is two identifiers
                "key": [f"k{i}" for i in rng.integers(0, 40, n)],
                "role": rng.choice(["warehouse", "return", "", "origin", "registered"], n),
                "shipments": rng.integers(0, 4, n),
            }
        )
        stored = holdings.sort_values(["merchant_id", "kind", "key", "role"], ignore_index=True)
        settings = Settings(min_link_weight=0.0, service_min_holders=6)
        # some shops' holdings out of order (add_places appends a shop's places last)
        flip = stored["merchant_id"].str[-1].isin(list("02468"))
        some = pd.concat(
            [stored[~flip], stored[flip].sort_values(["merchant_id", "role", "key", "kind"])]
        ).sort_values("merchant_id", kind="stable")
        one = build_links(stored, 80, settings)
        for other in (stored.sample(frac=1.0, random_state=4), some):
            two = build_links(other.reset_index(drop=True), 80, settings)
            for got, want in zip(
                (one.edges, one.identifiers, one.memberships, one.weights),
                (two.edges, two.identifiers, two.memberships, two.weights),
                strict=True,
            ):
                pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert (one.memberships["shipments"].sum(), len(one.edges)) != (0, 0)


def test_a_shops_strongest_holding_of_an_identifier_is_found_side_by_side_or_sorted() -> None:
    rng = np.random.default_rng(16)
    for _ in range(30):
        n = int(rng.integers(1, 200))
        shop = np.sort(rng.integers(0, 20, n))
        ident = rng.integers(0, 6, n)
        order = np.lexsort((ident, shop))  # a shop's holdings of an identifier together
        shop, ident = shop[order], ident[order]
        preference = rng.integers(0, 4, n)
        shipments = rng.integers(0, 5, n)
        pick, parcels = _strongest_adjacent(shop, ident, preference, shipments)
        pick2, parcels2 = _strongest_sorted(shop, ident, preference, shipments)
        got = pd.DataFrame({"shop": shop[pick], "ident": ident[pick], "row": pick, "n": parcels})
        want = pd.DataFrame(
            {"shop": shop[pick2], "ident": ident[pick2], "row": pick2, "n": parcels2}
        )
        by = ["shop", "ident"]
        pd.testing.assert_frame_equal(
            got.sort_values(by, ignore_index=True), want.sort_values(by, ignore_index=True)
        )


def test_keys_that_are_not_text_link_as_their_text_does() -> None:
    # Arrow orders text keys; keys of another type (numbers here) fall back to pandas
    rng = np.random.default_rng(17)
    n = 300
    holdings = pd.DataFrame(
        {
            "merchant_id": [f"M{i:03d}" for i in rng.integers(0, 60, n)],
            "kind": rng.choice(["phone", "account"], n),
            "key": rng.integers(10, 40, n),  # two digits: text and numbers order alike
            "role": "",
            "shipments": 0,
        }
    )
    as_numbers = build_links(holdings, 60, Settings(min_link_weight=0.0))
    as_text = build_links(holdings.astype({"key": str}), 60, Settings(min_link_weight=0.0))
    pd.testing.assert_frame_equal(as_numbers.edges, as_text.edges, check_exact=True)
    assert as_numbers.identifiers["key"].astype(str).tolist() == (
        as_text.identifiers["key"].tolist()
    )
