"""The generator's everyday sharing: the same planted groups, and the structure it promises."""

import pandas as pd

from graphring.sample import generate
from graphring.sample.sharing import EverydaySharing


def test_sharing_keeps_the_planted_groups_and_adds_services() -> None:
    plain_tables, plain_truth = generate(4000, seed=5)
    tables, truth = generate(4000, seed=5, sharing=EverydaySharing())
    planted = ["counterfeit", "chain", "mall", "coworking"]
    pd.testing.assert_frame_equal(
        plain_truth, truth.loc[truth["kind"].isin(planted)].reset_index(drop=True)
    )
    served = truth.loc[~truth["kind"].isin(planted)]
    sizes = served.groupby("group")["merchant_id"].nunique()
    kinds = served.drop_duplicates("group")["kind"].value_counts().to_dict()
    # 10 3PL warehouses, 5 service accounts and 5 co-working spaces per 10,000 shops
    assert kinds == {"logistics": 4, "service_account": 2, "cowork_space": 2}
    assert sizes.between(15, 90).all()
    # services serve honest shops only
    assert not set(served["merchant_id"]) & set(
        truth.loc[truth["kind"] == "counterfeit", "merchant_id"]
    )
    # about 0.6 everyday pairs per shop, 60 % of them a phone or a device: two more
    # identifier rows per such pair, each value held by its two shops only
    ident = tables["identifiers"]
    extra = ident.iloc[len(plain_tables["identifiers"]) :]
    assert abs(len(extra) / 2 / 4000 - 0.6 * 0.6) < 0.03
    # phones are written in several formats: compare their last eleven digits
    key = extra["value"].str.replace(r"\D", "", regex=True).str[-11:]
    key = key.where(extra["kind"] == "phone", extra["value"])
    assert (extra.groupby([extra["kind"], key]).size() == 2).all()
