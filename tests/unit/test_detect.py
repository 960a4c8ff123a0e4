import itertools

import pandas as pd
import pytest

from graphring import detect
from graphring.config import Settings
from graphring.detect import detect_rings


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


def test_pendant_shop_is_an_associate_not_a_member() -> None:
    m = run(clique("A", 5) + [("A00", "Z99", 0.8)], engine="louvain")
    assoc = m.loc[~m["core"], "merchant_id"].tolist()
    assert assoc == ["Z99"]
    assert m.loc[m["core"], "merchant_id"].tolist() == [f"A{i:02d}" for i in range(5)]


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
        ("P1", "P2", 1.0),
        ("P2", "P3", 1.0),
    ]
    one = run(edges, engine="louvain", workers=1)
    monkeypatch.setattr(detect, "PARALLEL_DETECT_EDGES", 0)
    two = run(edges, engine="louvain", workers=2)
    assert process_pools == [2]
    pd.testing.assert_frame_equal(one, two)
    assert one["group"].nunique() == 24 + 1
    assert set(one.loc[one["merchant_id"].str.startswith("T"), "merchant_id"]) == {"T1", "T2", "T3"}
    assert not one["merchant_id"].str.startswith("P").any()
