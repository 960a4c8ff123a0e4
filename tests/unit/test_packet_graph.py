"""A ring's graph: drawn from rows cut for every ring at once as from its own frames; the
print picture's spring layout gives the same graph the same positions, every node its own
place, and without igraph networkx's layout serves."""

from __future__ import annotations

import math
import random
import sys

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from graphring.packets.graph import (
    EVIDENCE_FIELDS,
    SVG_SPREAD,
    drawing_order,
    graph_of_rows,
    origin_rows,
    ring_graph,
    ring_svg,
    shop_rows,
    spring,
)
from graphring.packets.write import _rows_by


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


@pytest.mark.parametrize("seed", range(3))
def test_ring_svg_lines_join_the_marks_of_their_nodes(seed: int) -> None:
    import re

    g = _ring_like(seed)
    nx.set_node_attributes(g, {n: "shop" if n.startswith("m:") else "phone" for n in g}, "kind")
    nx.set_node_attributes(g, {n: 6.0 + len(n) for n in g}, "size")
    nx.set_node_attributes(g, {n: n for n in g}, "label")
    nx.set_node_attributes(g, {n: f"<{n}>" for n in g}, "title")
    svg = ring_svg(g)
    centres = {}
    for cx, cy, title in re.findall(r'<circle cx="([^"]+)" cy="([^"]+)"[^>]*><title>([^<]*)<', svg):
        centres[title] = (float(cx), float(cy))
    for x, y, w, title in re.findall(
        r'<rect x="([^"]+)" y="([^"]+)" width="([^"]+)"[^>]*><title>([^<]*)<', svg
    ):
        centres[title] = (float(x) + float(w) / 2, float(y) + float(w) / 2)
    assert len(centres) == g.number_of_nodes()
    lines = re.findall(r'<line x1="([^"]+)" y1="([^"]+)" x2="([^"]+)" y2="([^"]+)"', svg)
    assert len(lines) == g.number_of_edges()
    for (a, b), line in zip(sorted(g.edges()), lines, strict=True):
        x1, y1, x2, y2 = map(float, line)
        for (x, y), node in (((x1, y1), a), ((x2, y2), b)):
            cx, cy = centres[f"&lt;{node}&gt;"]
            assert abs(x - cx) <= 0.11 and abs(y - cy) <= 0.11


@pytest.mark.parametrize("seed", range(4))
def test_rows_cut_for_every_ring_at_once_equal_each_rings_own(seed: int) -> None:
    """The writer takes every ring's graph rows out of the whole frames at once; each
    ring's cut equals the rows of its own frame, so its graph is the same."""
    rng = np.random.default_rng(seed)
    n = 60
    members = pd.DataFrame(
        {
            "ring_id": rng.choice(["R-b", "R-a", "R-c"], n),
            "merchant_id": [f"S{i}" for i in rng.permutation(n)],
            "core": rng.random(n) < 0.7,
            "risk_score": np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 100, n)),
            "province": rng.choice(["Anhui", None], n),
            "city": "Hefei",
            "reasons": "shares a phone",
            "name": [f"Shop {i}" for i in range(n)],
            "platform": "p",
            "opened_on": pd.Timestamp("2026-01-01")
            + pd.to_timedelta(rng.integers(0, 99, n), unit="D"),
        }
    )
    origins = pd.DataFrame(
        {
            "ring_id": members["ring_id"],
            "merchant_id": members["merchant_id"],
            "key": rng.choice(["a1", "a2"], n),
            "shipments": rng.integers(1, 9, n),
        }
    )
    shops = _rows_by(drawing_order(members), "ring_id", shop_rows)
    sent = _rows_by(origins, "ring_id", origin_rows)
    for rid, own in members.groupby("ring_id"):
        # repr: a missing risk is NaN, unequal to itself
        assert repr(shops[rid]) == repr(shop_rows(drawing_order(own)))
        assert sent[rid] == origin_rows(origins.loc[origins["ring_id"] == rid])
        assert nx.utils.graphs_equal(
            graph_of_rows(str(rid), shops[rid], [], sent[rid]),
            ring_graph(str(rid), own, pd.DataFrame(columns=EVIDENCE_FIELDS), sent_of(origins, rid)),
        )


def sent_of(origins: pd.DataFrame, rid: object) -> pd.DataFrame:
    return origins.loc[origins["ring_id"] == rid, ["merchant_id", "key", "shipments"]]
