"""One rule for suspicious listings (graphring.scoring.listing_flags): the merchant risk,
the ring score and the packet's listing table flag the same listings, including at the
edges where the packet's own copy of the rule used to disagree."""

from __future__ import annotations

import pandas as pd
import pytest

from graphring.packets.write import listing_evidence
from graphring.scoring import CHEAP_SHARE, listing_flags, merchant_risk

TODAY = pd.Timestamp("2026-06-30")


def edge_listings() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "listing_id": ["JUST_UNDER", "AT", "NO_BRAND", "FREE_WITH_IMAGE", "IMAGE_OFF"],
            "merchant_id": ["M1"] * 5,
            "brand": ["Nike", "Nike", "", "Nike", "Nike"],
            "title": ["t"] * 5,
            # 59.6/100 rounds to 0.60 but is under CHEAP_SHARE: cheap
            "price": [59.6, 60.0, 10.0, 0.0, 90.0],
            "reference_price": [100.0, 100.0, 100.0, 100.0, 100.0],
            "image_text": ["", "", "", "¥399", "¥399"],
        }
    )


def test_the_flags_at_the_edges() -> None:
    assert CHEAP_SHARE == 0.6
    flags = listing_flags(edge_listings()).set_index(edge_listings()["listing_id"])
    assert flags["cheap"].to_dict() == {
        "JUST_UNDER": True,  # 0.596 < 0.6, though it shows as 0.60
        "AT": False,
        "NO_BRAND": False,  # no brand, no retail price to be under
        "FREE_WITH_IMAGE": True,
        "IMAGE_OFF": False,
    }
    assert flags["image_mismatch"].to_dict() == {
        "JUST_UNDER": False,
        "AT": False,
        "NO_BRAND": False,
        "FREE_WITH_IMAGE": False,  # a price of 0 is not a price an image contradicts
        "IMAGE_OFF": True,
    }
    assert flags.loc["JUST_UNDER", "share"] == pytest.approx(0.596)


def test_packet_lists_what_the_score_counts() -> None:
    lst = edge_listings()
    members = pd.DataFrame({"ring_id": ["R1"], "merchant_id": ["M1"], "name": ["shop"]})
    shown = listing_evidence(lst, members).set_index("listing_id")
    # the packet's table holds exactly the listings the rule flags
    assert sorted(shown.index) == ["FREE_WITH_IMAGE", "IMAGE_OFF", "JUST_UNDER"]
    assert shown.at["JUST_UNDER", "share_of_retail"] == 0.6  # shown rounded
    assert shown.at["JUST_UNDER", "why"] == "at 60% of retail"
    assert shown.at["FREE_WITH_IMAGE", "why"] == "at 0% of retail"
    assert shown.at["IMAGE_OFF", "why"] == "image says 399"
    # and the merchant's risk counts the same two cheap listings and one image
    merchants = pd.DataFrame(
        {
            "merchant_id": ["M1"],
            "opened_on": pd.to_datetime(["2019-01-01"]),
            "monthly_orders": [10.0],
            "rating": [4.9],
        }
    )
    _, reasons = merchant_risk(merchants, lst, TODAY)
    text = " | ".join(reasons["text"])
    assert "2 of 4 branded listings at 0–60% of the brand's retail price" in text
    assert "1 listing images quote another price" in text
