import numpy as np
import pandas as pd

from graphring.config import Settings
from graphring.linking import _pairs_within, build_links


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
