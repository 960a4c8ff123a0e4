"""A giant component (everyday sharing knits honest shops together) is cut with Leiden
(CPM): rings come out at their own size, honest trees never make a ring, loose groups are
cut again."""

import itertools
import random

import numpy as np
import pandas as pd
import pytest

from graphring.config import Settings
from graphring.detect import detect_rings, local
from graphring.detect.giant import tighten


def clique(prefix: str, n: int, w: float = 2.0) -> list[tuple[str, str, float]]:
    ids = [f"{prefix}{i:02d}" for i in range(n)]
    return [(a, b, w) for a, b in itertools.combinations(ids, 2)]


def giant(seed: int = 0, rings: int = 6, honest: int = 3000) -> list[tuple[str, str, float]]:
    """Rings of 6-15 shops hung on a random tree of honest shops (one everyday tie each,
    and each ring shop with an honest relative): one connected component."""
    rng = np.random.default_rng(seed)
    edges: list[tuple[str, str, float]] = []
    h = [f"H{i:05d}" for i in range(honest)]
    parent = rng.integers(0, np.arange(1, honest))
    edges += [(h[i + 1], h[int(p)], 0.8) for i, p in enumerate(parent)]
    for r in range(rings):
        size = 6 + 2 * r % 10
        edges += clique(f"R{r}_", size)
        for i in range(size):
            edges.append((f"R{r}_{i:02d}", h[int(rng.integers(0, honest))], 0.8))
    return edges


def run(edges: list[tuple[str, str, float]], **kw: object) -> pd.DataFrame:
    e = pd.DataFrame(edges, columns=["a", "b", "weight"])
    # everyday ties (a relative's phone, a sublet address) are not strong ties: linking
    # calibrates such chance-shared kinds down; the rings' own ties are
    e["tie"] = np.where(e["weight"] >= 1.0, 1.0, 0.3)
    ids = pd.Series(sorted(set(e["a"]) | set(e["b"])))
    return detect_rings(ids, e, Settings(engine="igraph", **kw)).members  # type: ignore[arg-type]


def test_rings_in_a_giant_component_come_out_at_their_own_size() -> None:
    m = run(giant(), leiden_min_shops=500)
    core = m.loc[m["core"]]
    groups = set(core.groupby("group")["merchant_id"].apply(frozenset))
    expected = {frozenset(f"R{r}_{i:02d}" for i in range(6 + 2 * r % 10)) for r in range(6)}
    assert groups == expected
    # honest tree shops are at most associates of a ring, never members
    assert not core["merchant_id"].str.startswith("H").any()


def test_same_seed_same_rings_and_the_global_random_state_is_left_alone() -> None:
    edges = giant(seed=3)
    random.seed(123)
    expected_draw = random.random()
    random.seed(123)
    first = run(edges, leiden_min_shops=500, seed=9)
    assert random.random() == expected_draw
    again = run(list(reversed(edges)), leiden_min_shops=500, seed=9)
    pd.testing.assert_frame_equal(first, again)


def test_pieces_spread_over_workers_give_the_same_rings(
    monkeypatch: pytest.MonkeyPatch, process_pools: list[int]
) -> None:
    edges = giant(seed=5, rings=8)
    one = run(edges, leiden_min_shops=500, workers=1)
    monkeypatch.setattr(local, "PARALLEL_DETECT_EDGES", 0)
    two = run(edges, leiden_min_shops=500, workers=2)
    assert process_pools == [2]
    pd.testing.assert_frame_equal(one, two)


def test_loose_group_over_the_size_limit_is_cut_again() -> None:
    # four 10-shop cliques chained by single ties, given as one 40-shop group: 23 % of its
    # pairs linked, under a floor of 30 % for groups over 20 shops
    edges = [e for p in "ABCD" for e in clique(p, 10, 1.0)]
    edges += [("A00", "B00", 1.0), ("B01", "C00", 1.0), ("C01", "D00", 1.0)]
    ids = sorted({x for a, b, _ in edges for x in (a, b)})
    pos = {x: i for i, x in enumerate(ids)}
    e = pd.DataFrame(
        {
            "ia": [pos[a] for a, _, _ in edges],
            "ib": [pos[b] for _, b, _ in edges],
            "weight": [w for *_, w in edges],
        }
    )
    start = np.zeros(len(ids), dtype=np.int64)
    labels = tighten(e, start, resolution=0.1, seed=42, max_shops=20, density_floor=0.3)
    groups = pd.Series(ids).groupby(labels).agg(lambda s: frozenset(x[0] for x in s))
    assert sorted(map(sorted, groups)) == [["A"], ["B"], ["C"], ["D"]]
    # dense enough: left whole
    same = tighten(e, start, resolution=0.1, seed=42, max_shops=20, density_floor=0.2)
    assert (same == 0).all()
