"""Parts of a packet page made for every ring at once: the one-hop outside context and the
lead map."""

from __future__ import annotations

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
