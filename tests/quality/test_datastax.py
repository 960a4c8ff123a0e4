"""The DataStax e-commerce fraud example (tests/data/datastax-fraud): its scenarios come
out as rings, the chains (device -> card, device -> card -> address) included."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from graphring.config import Settings
from graphring.evaluate import group_outcomes
from graphring.pipeline import RunResult, run_pipeline

DATA = Path(__file__).parents[1] / "data" / "datastax-fraud"


def _c(*numbers: int) -> list[str]:
    return [f"10000000-0000-0000-0000-{n:012d}" for n in numbers]


#: The README's scenarios, as groups of customers (1: a legitimate customer, alone).
SCENARIOS = {
    "2 same address and device (husband and wife?)": _c(2, 14),
    "3 one device used by eleven registrations": _c(3, *range(15, 25)),
    "4 card of a charged-back order used again": _c(4, 25),
    "5 device of a charged-back order used again": _c(26, 27),
    "6 device -> card chain to a chargeback": _c(28, 29, 30),
    "7 device -> card -> address chain": _c(31, 32, 33, 34),
}
FRAUD = ["3", "4", "5", "6"]


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"{name}.csv", sep="|", dtype=str)


def convert(out: Path) -> Path:
    """Write the example as a graphring data folder."""
    customers = _read("customers")
    merchants = pd.DataFrame(
        {
            "merchant_id": customers["customerid"],
            "name": customers["firstname"] + " " + customers["lastname"],
            "email": customers["email"],
            "phone": customers["phone"],
        }
    )
    sessions = _read("customerSessions").merge(_read("sessions"), on="sessionid")
    orders = _read("customerOrders").merge(_read("orders"), on="orderid")
    seen = pd.concat([sessions, orders])
    identifiers = pd.concat(
        [
            seen[["customerid", "deviceid"]]
            .set_axis(["merchant_id", "value"], axis=1)
            .assign(kind="device"),
            seen[["customerid", "ipaddress"]]
            .set_axis(["merchant_id", "value"], axis=1)
            .assign(kind="ip"),
            merchants[["merchant_id", "name"]]
            .rename(columns={"name": "value"})
            .assign(kind="name"),
        ]
    ).drop_duplicates()
    addresses = _read("customerAddresses")
    out.mkdir(parents=True, exist_ok=True)
    merchants.to_csv(out / "merchants.csv", index=False)
    identifiers[["merchant_id", "kind", "value"]].to_csv(out / "identifiers.csv", index=False)
    pd.DataFrame(
        {
            "merchant_id": orders["customerid"],
            "account": orders["creditcardhashed"],
            "provider": "card",
        }
    ).drop_duplicates().to_csv(out / "payment_accounts.csv", index=False)
    pd.DataFrame(
        {
            "merchant_id": addresses["customerid"],
            "address": addresses["address"]
            + ", "
            + addresses["city"]
            + " "
            + addresses["state"]
            + " "
            + addresses["postalcode"],
            "role": "other",
        }
    ).to_csv(out / "addresses.csv", index=False)
    return out


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    folder = convert(tmp_path_factory.mktemp("datastax") / "data")
    return run_pipeline(folder, Settings(min_ring_size=2))


def _truth() -> pd.DataFrame:
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "group": name,
                    "kind": "fraud" if name[0] in FRAUD else "suspicious",
                    "merchant_id": members,
                }
            )
            for name, members in SCENARIOS.items()
        ],
        ignore_index=True,
    )


def test_every_scenario_is_one_ring_exactly(result: RunResult) -> None:
    outcomes = group_outcomes(result, _truth()).set_index("group")
    assert outcomes["best_jaccard"].to_dict() == dict.fromkeys(SCENARIOS, 1.0)
    core = result.members.loc[result.members["core"]]
    assert core["ring_id"].nunique() == len(SCENARIOS)
    alone = set(_c(1, *range(5, 14)))
    assert not alone & set(result.members["merchant_id"])


def test_chains_are_tied_by_what_the_example_says(result: RunResult) -> None:
    ev = result.evidence
    core = result.members.loc[result.members["core"]]
    ring_of = core.set_index("merchant_id")["ring_id"]
    chain6 = ev.loc[ev["ring_id"] == ring_of[_c(28)[0]], "kind"]
    assert set(chain6) >= {"device", "account"}
    chain7 = ev.loc[ev["ring_id"] == ring_of[_c(31)[0]], "kind"]
    assert set(chain7) >= {"device", "account", "address"}


def test_identity_only_scores_say_which_evidence_they_used(result: RunResult) -> None:
    reasons = " ".join(result.rings["reasons"])
    assert "built from the evidence the data has (no storefront and no provinces)" in reasons
    scores = result.rings.merge(
        result.members.loc[result.members["core"], ["ring_id", "merchant_id"]], on="ring_id"
    ).set_index("merchant_id")["ring_score"]
    # the device shared by eleven registrations alerts
    assert scores[_c(3)[0]] >= 50
