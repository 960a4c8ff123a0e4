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
