"""Parts of a packet page made for every ring at once: the one-hop outside context and the
lead map."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from graphring.packets.graph import context_by_ring
from graphring.packets.leadmap import leads_map_svg


def test_outside_context_per_ring_and_shop_with_and_without_scores() -> None:
    context = pd.DataFrame(
        {
            "ring_id": ["R-2", "R-1", "R-1", "R-1"],
            "merchant_id": ["M9", "M2", "M1", "M1"],
            "kind": ["phone", "device", "address", "address"],
            "key": ["138", "d1", "road 1", "road 1"],
            "outside": ["X1", "X2", "X3", "X4"],
            "name": ["Shop X1", np.nan, "Shop X3", "Shop X4"],
            "risk_score": [np.nan, np.nan, np.nan, np.nan],  # no outside shop scored
            "outside_ring": ["", None, "R-7", ""],
        }
    )
    out = context_by_ring(context)
    assert sorted(out) == ["R-1", "R-2"]
    assert list(out["R-1"]) == ["m:M1", "m:M2"]  # shops in order within a ring
    m1 = out["R-1"]["m:M1"]
    # the address both outside shops share with M1 is one node, each shop one node
    assert [n["id"] for n in m1["nodes"]] == ["i:address:road 1", "x:X3", "x:X4"]
    assert [n["title"] for n in m1["nodes"][1:]] == [
        "X3 · Shop X3\nin ring R-7\noutside",
        "X4 · Shop X4\nin no ring\noutside",
    ]
    assert [e["id"] for e in m1["edges"]] == [
        "m:M1|i:address:road 1",
        "i:address:road 1|x:X3",
        "i:address:road 1|x:X4",
    ]
    assert out["R-1"]["m:M2"]["nodes"][1]["title"] == "X2 · \nin no ring\noutside"
    scored = context_by_ring(context.assign(risk_score=[12.5, np.nan, 80.0, np.nan]))
    assert (
        scored["R-2"]["m:M9"]["nodes"][1]["title"]
        == "X1 · Shop X1\nrisk 12.5/100\nin no ring\noutside"
    )
    assert (
        scored["R-1"]["m:M1"]["nodes"][1]["title"]
        == "X3 · Shop X3\nrisk 80/100\nin ring R-7\noutside"
    )


def test_lead_map_draws_every_located_lead_lowest_score_first() -> None:
    leads = pd.DataFrame(
        {
            "address": ["b road 2", None, "a road 1", "c road 3"],
            "raw_address": ["B Road 2", np.nan, "", "C Road 3"],
            "score": [50.0, 50.0, 50.0, 90.0],
            "lat": [22.5, 22.6, "", 23.1],
            "lon": [114.0, 114.1, 114.2, 113.3],
            "province": ["Guangdong", "Guangdong", "", None],
            "ring_shipments": [3, 0, 1, 7],
        }
    )
    svg = leads_map_svg(leads)
    titles = [t.split("\n")[0] for t in svg.split('<circle class="lead"')[1:]]
    # the lead without a latitude is left out; ties by address, a missing one last
    assert [t.split("<title>")[1] for t in titles] == ["B Road 2", "nan", "C Road 3"]
    assert svg.count("Guangdong</text>") == 1
    assert "7 parcels from this ring" in svg
    assert leads_map_svg(leads.assign(lat="")) == ""


def test_highest_first_orders_ties_and_missing_as_pandas_does() -> None:
    from graphring.packets.leadmap import highest_first

    rng = np.random.default_rng(5)
    for n in (0, 1, 7, 40, 300):
        values = rng.choice([10.0, 20.0, 20.0, 35.5, np.nan, 90.0], n)
        expected = pd.Series(values).sort_values(ascending=False).index.to_numpy()
        assert highest_first(values).tolist() == expected.tolist()


def test_lead_colours_at_once_equal_each_rounded_alone() -> None:
    from graphring.packets.leadmap import _colour, _colours

    rng = np.random.default_rng(3)
    # halves of a channel's step (ties of rounding) among random shares
    shares = np.r_[rng.random(200), np.arange(0, 75) / 74, 0.5, 1.0, 0.0]
    assert _colours(shares) == [_colour(s) for s in shares]


def test_province_names_sit_at_the_projected_mean_of_their_leads() -> None:
    import math
    import re

    rng = np.random.default_rng(11)
    for n in (1, 3, 9, 30):
        leads = pd.DataFrame(
            {
                "address": [f"road {i}" for i in range(n)],
                "score": rng.choice([10.0, 55.5, 90.0], n),
                "lat": rng.uniform(20, 30, n),
                "lon": rng.uniform(100, 120, n),
                "province": rng.choice(np.array(["Hunan", "Guangdong", "", None], dtype=object), n),
            }
        )
        svg = leads_map_svg(leads)
        # the projection, as the map draws the leads (lowest score first, then by address)
        drawn = leads.sort_values(["score", "address"], kind="stable")
        lat, lon = drawn["lat"].to_numpy(), drawn["lon"].to_numpy()
        kx = math.cos(math.radians((lat.min() + lat.max()) / 2))
        span_y = max(lat.max() - lat.min(), 8.0) * 1.25
        span_x = max((lon.max() - lon.min()) * kx * 1.25, span_y * 900 / 560)
        unit = 900 / span_x
        cx, cy = (lon.min() + lon.max()) / 2 * kx, (lat.min() + lat.max()) / 2
        province = drawn["province"].fillna("").to_numpy(dtype=object)
        want = []
        for name in sorted(set(province) - {""}):
            where = province == name
            x = (np.array([lon[where].mean()]) * kx - cx) * unit + 450
            y = (cy - np.array([lat[where].mean()])) * unit + 280
            want.append(f'<text x="{x[0]:.1f}" y="{y[0] - 16:.1f}">{name}</text>')
        got = re.findall(r'<text x="[^"]*" y="[^"]*">(?:Hunan|Guangdong)</text>', svg)
        assert got == want


def _context_one_row_at_a_time(context: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Node and edge ids of each ring's shops, walking the rows one at a time: each row
    adds its identifier, its outside shop and the two edges a shop does not have yet."""
    out: dict[str, dict[str, Any]] = {}
    rows = context.assign(shop="m:" + context["merchant_id"].astype(str))
    for r in rows.sort_values(["ring_id", "shop"], kind="stable").itertuples():
        ident, other = f"i:{r.kind}:{r.key}", f"x:{r.outside}"
        nodes, edges = out.setdefault(r.ring_id, {}).setdefault(r.shop, ([], []))
        for node in (ident, other):
            if node not in nodes:
                nodes.append(node)
        for edge in (f"{r.shop}|{ident}", f"{ident}|{other}"):
            if edge not in edges:
                edges.append(edge)
    return out


def test_outside_context_made_at_once_equals_one_row_at_a_time() -> None:
    rng = np.random.default_rng(8)
    for n in (1, 5, 40, 300):
        context = pd.DataFrame(
            {
                "ring_id": rng.choice(["R-2", "R-1", "R-10"], n),
                "merchant_id": rng.choice(["M1", "M2", "M3", "M10"], n),
                "kind": rng.choice(["phone", "address", "device"], n),
                "key": rng.choice(["k1", "k2", "<k3>"], n),
                "outside": rng.choice(["X1", "X2", "X3", "X4", "X5"], n),
                "name": rng.choice(np.array(["Shop", None], dtype=object), n),
                "risk_score": rng.choice([np.nan, 12.5], n),
                "outside_ring": rng.choice(np.array(["", None, "R-7"], dtype=object), n),
            }
        )
        made = context_by_ring(context)
        want = _context_one_row_at_a_time(context)
        assert list(made) == list(want)
        for rid, shops in want.items():
            assert list(made[rid]) == list(shops)
            for shop, (nodes, edges) in shops.items():
                assert [x["id"] for x in made[rid][shop]["nodes"]] == nodes
                assert [(e["id"], e["from"], e["to"]) for e in made[rid][shop]["edges"]] == [
                    (e, *e.split("|")) for e in edges
                ]
                kinds = [x["kind"] for x in made[rid][shop]["nodes"]]
                assert kinds == [
                    "outside" if x.startswith("x:") else x.split(":")[1] for x in nodes
                ]


def test_country_paths_are_the_outlines_at_two_decimals() -> None:
    from graphring.packets.leadmap import _ring_boxes, country_outlines

    rings = [(name, r) for name, rs in country_outlines() for r in rs]
    _, paths = _ring_boxes()
    assert len(paths) == len(rings)
    for (name, r), (path_name, path) in zip(rings, paths, strict=True):
        xy = np.char.mod("%.2f", np.c_[r[:, 0], -r[:, 1]])
        assert (path_name, path) == (name, "M" + "L".join(xy[:, 0] + "," + xy[:, 1]) + "Z")
