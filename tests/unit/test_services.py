"""Services (a 3PL warehouse, a payment agent) are told apart from a ring's warehouse."""

import pandas as pd

from graphring.config import Settings
from graphring.linking import build_links


def holdings(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(m, k, key, role, 0) for m, k, key, role in rows],
        columns=["merchant_id", "kind", "key", "role", "shipments"],
    )


def warehouse(prefix: str, n: int, key: str) -> list[tuple[str, str, str, str]]:
    return [(f"{prefix}{i:02d}", "address", key, "warehouse") for i in range(n)]


def test_warehouse_of_unrelated_shops_is_a_service_and_links_nobody() -> None:
    links = build_links(holdings(warehouse("S", 40, "3pl")), 10_000, Settings())
    assert links.services.to_dict("records") == [
        {"kind": "address", "key": "3pl", "holders": 40, "cohesion": 0.0, "weight_factor": 0.0}
    ]
    assert links.edges.empty
    assert links.supernodes.empty


def test_ring_warehouse_whose_shops_share_accounts_and_phones_keeps_its_weight() -> None:
    rows = warehouse("R", 30, "wh")
    # the ring's shops also pay into six accounts and use ten phones
    rows += [(f"R{i:02d}", "account", f"acc{i // 5}", "") for i in range(30)]
    rows += [(f"R{i:02d}", "phone", f"ph{i // 3}", "") for i in range(30)]
    ring = build_links(holdings(rows), 10_000, Settings())
    assert ring.services.empty
    alone = build_links(
        holdings(warehouse("R", 30, "wh")), 10_000, Settings(service_min_holders=50)
    )
    # the pair R00-R29 shares only the warehouse: its full weight, as if no service rule
    e = ring.edges.set_index(["a", "b"])["weight"]
    assert e[("R00", "R29")] == alone.edges.set_index(["a", "b"])["weight"][("R00", "R29")]
    assert len(ring.edges) == 30 * 29 // 2


def test_service_is_down_weighted_by_how_little_its_holders_share() -> None:
    rows = warehouse("S", 40, "3pl")
    # 4 of the 780 holder pairs also share a phone: cohesion 0.005, weight x 0.05
    rows += [(f"S{i:02d}", "phone", f"ph{i // 2}", "") for i in range(8)]
    links = build_links(holdings(rows), 10_000, Settings(min_link_weight=0.0))
    svc = links.services.iloc[0]
    assert svc["holders"] == 40 and round(svc["cohesion"], 4) == round(4 / 780, 4)
    assert svc["weight_factor"] == round(4 / 780 / 0.1, 4)
    full = build_links(
        holdings(warehouse("S", 40, "3pl")),
        10_000,
        Settings(service_min_holders=50, min_link_weight=0.0),
    )
    e = links.edges.set_index(["a", "b"])["weight"]
    f = full.edges.set_index(["a", "b"])["weight"]
    assert abs(e[("S10", "S11")] - f[("S10", "S11")] * svc["weight_factor"]) < 1e-3


def test_fewer_holders_than_the_threshold_is_no_service() -> None:
    links = build_links(holdings(warehouse("S", 19, "wh")), 10_000, Settings())
    assert links.services.empty and len(links.edges) == 19 * 18 // 2
