import itertools

import numpy as np
import pandas as pd
import pytest

from graphring.config import Settings
from graphring.detect import detect_rings, local
from graphring.detect.partition import join_bridged


def clique(prefix: str, n: int, w: float = 2.0) -> list[tuple[str, str, float]]:
    ids = [f"{prefix}{i:02d}" for i in range(n)]
    return [(a, b, w) for a, b in itertools.combinations(ids, 2)]


def run(edges: list[tuple[str, str, float]], **kw: object) -> pd.DataFrame:
    e = pd.DataFrame(edges, columns=["a", "b", "weight"])
    ids = pd.Series(sorted(set(e["a"]) | set(e["b"]) | {"LONE"}))
    return detect_rings(ids, e, Settings(**kw)).members  # type: ignore[arg-type]


@pytest.mark.parametrize("engine", ["louvain", "igraph"])
def test_two_cliques_joined_by_one_edge_are_two_rings(engine: str) -> None:
    edges = clique("A", 6) + clique("B", 5) + [("A00", "B00", 0.3)]
    m = run(edges, engine=engine)
    groups = m.groupby("group")["merchant_id"].apply(frozenset)
    assert set(groups) == {
        frozenset(f"A{i:02d}" for i in range(6)),
        frozenset(f"B{i:02d}" for i in range(5)),
    }


def test_cells_bridged_by_several_shops_are_one_ring() -> None:
    # three dense cells; two shops of each cell also tie to the next cell as strongly
    edges = clique("A", 10) + clique("B", 10) + clique("C", 10)
    for x, y in [("A", "B"), ("B", "C"), ("C", "A")]:
        for i in range(2):
            edges += [(f"{x}{i:02d}", f"{y}{j:02d}", 1.0) for j in range(10)]
    m = run(edges, engine="louvain")
    assert m["group"].nunique() == 1 and len(m) == 30


def test_pendant_shop_on_a_weak_tie_is_an_associate_not_a_member() -> None:
    m = run(clique("A", 5) + [("A00", "Z99", 0.3)], engine="louvain")
    assoc = m.loc[~m["core"], "merchant_id"].tolist()
    assert assoc == ["Z99"]
    assert m.loc[m["core"], "merchant_id"].tolist() == [f"A{i:02d}" for i in range(5)]


def test_pendant_shop_on_a_strong_tie_is_a_member() -> None:
    # one shared account (tie 0.9) says as much as a device passed along a chain
    e = pd.DataFrame(clique("A", 5) + [("A00", "Z99", 0.9)], columns=["a", "b", "weight"])
    e["tie"] = np.where(e["b"] == "Z99", 0.9, 1.0)
    ids = pd.Series(sorted(set(e["a"]) | set(e["b"])))
    m = detect_rings(ids, e, Settings(engine="louvain")).members
    assert m["core"].all() and "Z99" in set(m["merchant_id"])


@pytest.mark.parametrize("engine", ["louvain", "igraph"])
@pytest.mark.parametrize("length", [3, 6, 12])
def test_a_chain_of_strong_ties_is_one_ring(engine: str, length: int) -> None:
    # device, account, warehouse, phone handed on: no three shops share anything
    ids = [f"C{i:02d}" for i in range(length)]
    chain = pd.DataFrame(
        {"a": ids[:-1], "b": ids[1:], "weight": 0.85, "tie": 0.85},
    )
    # a weak-tie chain beside it (registered addresses, IPs): no ring
    weak = pd.DataFrame({"a": ["W1", "W2"], "b": ["W2", "W3"], "weight": 0.3, "tie": 0.3})
    e = pd.concat([chain, weak], ignore_index=True)
    m = detect_rings(pd.Series([*ids, "W1", "W2", "W3"]), e, Settings(engine=engine)).members
    assert m.groupby("group")["merchant_id"].apply(frozenset).tolist() == [frozenset(ids)]
    assert m["core"].all()


def test_two_dense_rings_sharing_one_strong_tie_stay_two() -> None:
    e = pd.DataFrame(
        clique("A", 6) + clique("B", 6) + [("A00", "B00", 0.9)], columns=["a", "b", "weight"]
    )
    m = detect_rings(pd.Series(sorted(set(e["a"]) | set(e["b"]))), e, Settings()).members
    core = m.loc[m["core"]]
    assert core.groupby("group")["merchant_id"].apply(lambda x: x.str[0].nunique()).eq(1).all()
    assert core["group"].nunique() == 2


def test_min_ring_size_two_gives_pairs_on_strong_ties_only() -> None:
    e = pd.DataFrame(
        {"a": ["P1", "Q1"], "b": ["P2", "Q2"], "weight": [0.9, 0.3], "tie": [0.9, 0.3]}
    )
    ids = pd.Series(["P1", "P2", "Q1", "Q2"])
    m = detect_rings(ids, e, Settings(min_ring_size=2)).members
    assert m["merchant_id"].tolist() == ["P1", "P2"] and m["core"].all()
    assert detect_rings(ids, e, Settings()).members.empty


def test_groups_smaller_than_min_ring_size_are_not_rings() -> None:
    m = run(clique("A", 3) + clique("B", 4), engine="louvain", min_ring_size=4)
    assert sorted(m["merchant_id"].str[0].unique()) == ["B"]


def test_same_input_and_seed_same_groups_whatever_the_edge_order() -> None:
    edges = clique("A", 8) + clique("B", 7) + [("A01", "B02", 0.5), ("A03", "B04", 0.4)]
    first = run(edges, engine="louvain", seed=5)
    again = run(list(reversed(edges)), engine="louvain", seed=5)
    pd.testing.assert_frame_equal(first, again)


def test_parallel_workers_give_the_same_groups(
    monkeypatch: pytest.MonkeyPatch, process_pools: list[int]
) -> None:
    edges = []
    for i in range(12):
        # twelve components: two cliques joined by one weak tie each
        edges += clique(f"C{i:02d}_", 4 + i % 5) + clique(f"D{i:02d}_", 5)
        edges.append((f"C{i:02d}_00", f"D{i:02d}_00", 0.3))
    edges += [
        ("T1", "T2", 1.0),
        ("T2", "T3", 1.0),
        ("T1", "T3", 1.0),
        ("P1", "P2", 0.4),
        ("P2", "P3", 0.4),
    ]
    one = run(edges, engine="louvain", workers=1)
    monkeypatch.setattr(local, "PARALLEL_DETECT_EDGES", 0)
    two = run(edges, engine="louvain", workers=2)
    assert process_pools == [2]
    pd.testing.assert_frame_equal(one, two)
    assert one["group"].nunique() == 24 + 1
    assert set(one.loc[one["merchant_id"].str.startswith("T"), "merchant_id"]) == {"T1", "T2", "T3"}
    assert not one["merchant_id"].str.startswith("P").any()


def _bridged_plainly(labels: np.ndarray, edges: pd.DataFrame, bridges: int) -> list[int]:
    """join_bridged's definition written out with pandas, for comparison."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from graphring.detect.partition import BRIDGE_SHARE

    ia, ib, w = edges["ia"].to_numpy(), edges["ib"].to_numpy(), edges["weight"].to_numpy()
    t = pd.DataFrame(
        {
            "node": np.r_[ia, ib],
            "other": np.r_[labels[ib], labels[ia]],
            "w": np.r_[w, w],
        }
    )
    t["home"] = labels[t["node"]]
    per = t.groupby(["node", "home", "other"])["w"].sum().reset_index()
    home = per.loc[per["home"] == per["other"]].set_index("node")["w"]
    away = per.loc[per["home"] != per["other"]]
    bridging = away.loc[away["w"] >= BRIDGE_SHARE * home.reindex(away["node"]).fillna(0).values]
    x = np.minimum(bridging["home"], bridging["other"])
    y = np.maximum(bridging["home"], bridging["other"])
    counts = pd.DataFrame({"x": x, "y": y}).value_counts().reset_index()
    strong = counts.loc[counts["count"] >= bridges]
    k = int(labels.max()) + 1
    adj = coo_matrix((np.ones(len(strong)), (strong["x"], strong["y"])), shape=(k, k))
    return connected_components(adj, directed=False)[1][labels].tolist()


def test_bridged_communities_are_joined_as_the_definition_says_with_decimal_weights() -> None:
    """Ties summed the way pandas sums them: a plain running sum differs in the last bit on
    weights such as 0.45 + 0.1 + 0.15 and flipped the share test (found in review)."""
    labels = np.array([0] * 7 + [1] * 4)
    edges = pd.DataFrame(
        {
            "ia": [0] * 9 + [7, 8, 9],
            "ib": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10],
            "weight": [0.2, 0.3, 0.2, 1.1, 0.6, 1.1, 0.45, 0.1, 0.15, 100, 100, 100],
        }
    )
    assert join_bridged(labels, edges, 1).tolist() == _bridged_plainly(labels, edges, 1)
    rng = np.random.default_rng(5)
    for _ in range(300):
        n = int(rng.integers(3, 25))
        e = pd.DataFrame(
            {
                "ia": rng.integers(0, n, 60),
                "ib": rng.integers(0, n, 60),
                "weight": rng.choice([0.1, 0.15, 0.2, 0.3, 0.35, 0.45, 0.6, 1.1], 60),
            }
        )
        e = e.loc[e["ia"] != e["ib"]]
        lab = rng.integers(0, 4, n)
        for bridges in (1, 2):
            assert join_bridged(lab, e, bridges).tolist() == _bridged_plainly(lab, e, bridges)
