"""The print picture's spring layout: the same graph always gets the same positions, every
node its own place, and without igraph networkx's layout serves."""

from __future__ import annotations

import math
import random
import sys

import networkx as nx
import pytest

from graphring.packets.graph import SVG_SPREAD, ring_svg, spring


def _ring_like(seed: int) -> nx.Graph:
    """Shops tied to a few shared identifiers, a loose pair and a lone shop (disconnected,
    as many rings' graphs are)."""
    rng = random.Random(seed)
    g = nx.Graph(ring_id=f"R-{seed}")
    shops = [f"m:S{i}" for i in range(rng.randint(5, 25))]
    idents = [f"i:phone:{i}" for i in range(rng.randint(2, 6))]
    g.add_nodes_from(shops + idents + ["m:alone", "m:pair", "i:address:pair"])
    for shop in shops:
        for ident in rng.sample(idents, rng.randint(1, len(idents))):
            g.add_edge(shop, ident)
    g.add_edge("m:pair", "i:address:pair")
    return g


def _min_distance(pos: dict[str, tuple[float, float]]) -> float:
    xy = list(pos.values())
    return min(math.dist(a, b) for i, a in enumerate(xy) for b in xy[i + 1 :])


@pytest.mark.parametrize("seed", range(5))
def test_spring_is_the_same_every_time_and_spreads_the_nodes(seed: int) -> None:
    pytest.importorskip("igraph")
    g = _ring_like(seed)
    random.seed(1)
    first = spring(g)
    random.seed(2)  # igraph draws from Python's random: the layout must not
    again = spring(nx.Graph(g))
    assert first == again
    assert set(first) == set(g.nodes())
    xs, ys = zip(*first.values(), strict=True)
    spread = max(max(xs) - min(xs), max(ys) - min(ys))
    # no two nodes piled on each other: each has room of a few per cent of the picture
    assert _min_distance(first) > 0.02 * spread


def test_spring_without_igraph_is_networkx_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    g = _ring_like(7)
    monkeypatch.setitem(sys.modules, "igraph", None)  # import igraph now fails
    found = spring(g, seed=3)
    n = g.number_of_nodes()
    expected = nx.spring_layout(g, seed=3, k=SVG_SPREAD / math.sqrt(n), iterations=50)
    assert found == {k: (float(v[0]), float(v[1])) for k, v in expected.items()}


def test_ring_svg_is_the_same_picture_every_time() -> None:
    g = _ring_like(11)
    nx.set_node_attributes(g, {n: "shop" if n.startswith("m:") else "phone" for n in g}, "kind")
    nx.set_node_attributes(g, 12.0, "size")
    nx.set_node_attributes(g, {n: n for n in g}, "label")
    nx.set_node_attributes(g, {n: n for n in g}, "title")
    assert ring_svg(g) == ring_svg(nx.Graph(g))
