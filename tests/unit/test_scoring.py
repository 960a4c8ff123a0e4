import numpy as np
import pandas as pd

from graphring.scoring import image_prices, merchant_risk, ring_scores

TODAY = pd.Timestamp("2026-06-30")


def merchants() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "merchant_id": ["OLD", "NEW"],
            "opened_on": pd.to_datetime(["2019-01-01", "2026-05-20"]),
            "monthly_orders": [40.0, 900.0],
            "rating": [4.8, 4.1],
        }
    )


def listings() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "listing_id": ["L1", "L2", "L3"],
            "merchant_id": ["OLD", "NEW", "NEW"],
            "brand": ["Kingston", "Kingston", "Samsung"],
            "price": [389.0, 139.0, 159.0],
            "reference_price": [399.0, 399.0, 359.0],
            "image_text": ["¥389", "到手价 ¥399", ""],
        }
    )


def test_image_price_forms() -> None:
    got = image_prices(pd.Series(["RMB 1,299", "399元", "￥ 88.5", "no price"]))
    assert got.tolist()[:3] == [1299.0, 399.0, 88.5]
    assert pd.isna(got.iloc[3])


def test_risk_reasons_explain_the_points() -> None:
    scores, reasons = merchant_risk(merchants(), listings(), TODAY)
    s = scores.set_index("merchant_id")
    assert s.loc["OLD", "risk_score"] == 0 and s.loc["OLD", "reasons"] == ""
    new = reasons.loc[reasons["merchant_id"] == "NEW"]
    assert new["points"].sum() == s.loc["NEW", "risk_score"]
    text = " | ".join(new["text"])
    assert "storefront opened 41 days before the run's date" in text
    assert "2 of 2 branded listings at 35–44% of the brand's retail price" in text
    assert "image 399.0, listed 139.0" in text
    assert "store rating 4.1" in text


def test_ring_score_prefers_risky_spread_rings_over_honest_chains() -> None:
    groups = pd.DataFrame(
        {
            "merchant_id": ["a1", "a2", "a3", "b1", "b2", "b3"],
            "group": ["fake", "fake", "fake", "chain", "chain", "chain"],
        }
    )
    risk = pd.DataFrame(
        {"merchant_id": groups["merchant_id"], "risk_score": [70.0, 80.0, 60.0, 5.0, 0.0, 0.0]}
    )
    pairs = [("a1", "a2"), ("a1", "a3"), ("a2", "a3"), ("b1", "b2"), ("b1", "b3"), ("b2", "b3")]
    edges = pd.DataFrame(pairs, columns=["a", "b"]).assign(weight=1.0)
    evidence = pd.DataFrame(
        {
            "group": ["fake", "fake", "chain", "chain"],
            "kind": ["account", "device", "account", "phone"],
        }
    )
    m = pd.DataFrame(
        {
            "merchant_id": groups["merchant_id"],
            "province": ["Hunan", "Hebei", "Jilin", "Hunan", "Hunan", "Hunan"],
        }
    )
    scores, reasons = ring_scores(groups, risk, edges, evidence, m)
    s = scores.set_index("group")["ring_score"]
    assert s["fake"] > s["chain"]
    fake = reasons.loc[reasons["group"] == "fake"]
    assert abs(fake["points"].sum() - s["fake"]) < 0.2
    assert "spread over 3 provinces" in set(fake["text"])


def test_merchants_with_no_reason_score_zero() -> None:
    clean = merchants().iloc[[0]]
    scores, reasons = merchant_risk(clean, listings().iloc[[0]], TODAY)
    assert scores.to_dict("records") == [{"merchant_id": "OLD", "risk_score": 0.0, "reasons": ""}]
    assert reasons.empty


def _ring(prefix: str, n: int, pairs: list[tuple[int, int]] | None = None) -> tuple:
    ids = [f"{prefix}{i}" for i in range(n)]
    links = pairs if pairs is not None else [(i, j) for i in range(n) for j in range(i + 1, n)]
    edges = pd.DataFrame([(ids[i], ids[j]) for i, j in links], columns=["a", "b"])
    return ids, edges.assign(weight=1.0)


def test_identity_only_ring_sharing_id_numbers_alerts_household_ip_does_not() -> None:
    fraud, fe = _ring("f", 4, [(0, 1), (1, 2), (2, 3)])
    home, he = _ring("h", 4)
    groups = pd.DataFrame({"merchant_id": fraud + home, "group": ["f"] * 4 + ["h"] * 4})
    risk = pd.DataFrame({"merchant_id": groups["merchant_id"], "risk_score": 0.0})
    evidence = pd.DataFrame(
        {
            "group": ["f", "f", "f", "h"],
            "kind": ["id_document", "device", "phone", "ip"],
            "rarity": [0.9, 0.9, 0.9, 0.85],
        }
    )
    merchants = pd.DataFrame({"merchant_id": groups["merchant_id"], "name": "x"})
    weights = {"id_document": 1.0, "device": 0.9, "phone": 0.8, "ip": 0.3}
    scores, reasons = ring_scores(
        groups, risk, pd.concat([fe, he]), evidence, merchants, None, weights
    )
    s = scores.set_index("group")["ring_score"]
    assert s["f"] >= 50 > s["h"]
    text = " ".join(reasons.loc[reasons["group"] == "f", "text"])
    assert "no storefront and no provinces" in text and "x2.86" in text
    for g in ("f", "h"):
        assert abs(reasons.loc[reasons["group"] == g, "points"].sum() - s[g]) < 0.3


def test_a_few_deep_fakes_in_a_camouflaged_ring_add_points_honest_sales_little() -> None:
    ids, edges = _ring("c", 6)
    groups = pd.DataFrame({"merchant_id": ids, "group": "c"})
    risk = pd.DataFrame({"merchant_id": ids, "risk_score": 0.0})
    evidence = pd.DataFrame({"group": ["c"], "kind": ["account"], "rarity": [0.9]})
    merchants = pd.DataFrame({"merchant_id": ids, "province": "Hunan", "rating": 4.7})

    def score(prices: list[float]) -> float:
        lst = pd.DataFrame(
            {
                "listing_id": [f"L{i}" for i in range(len(prices))],
                "merchant_id": ids[: len(prices)],
                "brand": "Kingston",
                "price": prices,
                "reference_price": 399.0,
                "image_text": "到手价 ¥399",
            }
        )
        s, _ = ring_scores(groups, risk, edges, evidence, merchants, lst, {"account": 1.0})
        return float(s["ring_score"].iloc[0])

    genuine = score([399.0, 389.0, 410.0])
    sale = score([399.0, 389.0, 235.0])  # one honest sale at 59 % of retail
    fakes = score([139.0, 159.0, 129.0])  # three fakes at a third of retail
    assert fakes - genuine >= 15
    assert sale - genuine < 6


def test_a_loose_big_group_scores_under_a_tight_small_ring() -> None:
    rng = np.random.default_rng(1)
    big = [f"b{i}" for i in range(900)]
    chosen = rng.choice(900 * 899 // 2, 810, replace=False)
    iu = np.triu_indices(900, 1)
    be = pd.DataFrame({"a": np.array(big)[iu[0][chosen]], "b": np.array(big)[iu[1][chosen]]})
    tight, te = _ring("t", 12, [(i, j) for i in range(12) for j in range(i + 1, 12) if (i + j) % 2])
    groups = pd.DataFrame({"merchant_id": big + tight, "group": ["big"] * 900 + ["t"] * 12})
    risk = pd.DataFrame({"merchant_id": groups["merchant_id"], "risk_score": 30.0})
    kinds = ["account", "device", "phone", "address", "email"]
    evidence = pd.DataFrame({"group": ["big"] * 5 + ["t"] * 2, "kind": kinds + kinds[:2]})
    provinces = [f"P{i % 31}" for i in range(900)] + ["Hunan"] * 12
    merchants = pd.DataFrame({"merchant_id": groups["merchant_id"], "province": provinces})
    scores, reasons = ring_scores(
        groups, risk, pd.concat([be, te.assign(weight=1.0)]).assign(weight=1.0), evidence, merchants
    )
    s = scores.set_index("group")["ring_score"]
    assert s["t"] > s["big"]
    assert reasons.loc[reasons["group"] == "big", "text"].str.startswith("loose group").any()
