"""A seeded sample marketplace with planted rings, written as a DATA_CONTRACT data folder.

Background shops carry everyday noise (family phones, co-working IPs, malls that share a
registered address and return desk, a national fulfilment hub, a platform escrow account);
benign chains share everything but look honest; counterfeit rings share warehouses,
accounts, phones and devices across provinces and sell branded memory far below its retail
price. Identifiers are written messily (abbreviations, full-width digits, phone formats).
The ground truth goes to a folder of its own, apart from the data.

The market is drawn stage by stage (:mod:`graphring.sample.market`), then written as tables
(:mod:`graphring.sample.tables`). Generation is vectorised with numpy; a million shops take
seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from graphring.sample.market import (
    draw_chains,
    draw_everyday_sharing,
    draw_infrastructure,
    draw_noise,
    draw_rings,
    draw_shops,
    plant_groups,
)
from graphring.sample.sharing import EverydaySharing
from graphring.sample.tables import market_tables


@dataclass(frozen=True)
class SampleInfo:
    data_dir: Path
    truth_dir: Path
    merchants: int
    rings: int


def generate(
    n_shops: int = 6000,
    seed: int = 7,
    sharing: EverydaySharing | None = None,
    patterns: int = 0,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The tables of a sample marketplace and its ground truth.

    The truth has one row per planted group member: ``group, kind, merchant_id`` with kind
    ``counterfeit``, ``chain``, ``mall`` or ``coworking``; with ``sharing`` (everyday honest
    sharing, services and co-working spaces: a giant component) also ``logistics``,
    ``service_account`` and ``cowork_space`` for the honest shops each service serves. With
    ``patterns``, that many groups of each pattern of :mod:`graphring.sample.patterns` (relay
    rings, drifting addresses, camouflage, honest look-alikes) are added, and the truth gets
    a ``pattern`` column.
    """
    if patterns:
        from graphring.sample.patterns import add_patterns

        tables, truth = generate(n_shops, seed, sharing)
        return add_patterns(tables, truth, seed, patterns)
    market = plant_groups(n_shops, seed)
    draw_shops(market)
    draw_infrastructure(market)
    draw_noise(market)
    draw_chains(market)
    draw_rings(market)
    draw_everyday_sharing(market, sharing, seed)
    return market_tables(market, seed)


def write_sample(
    folder: str | Path,
    n_shops: int = 6000,
    seed: int = 7,
    bad_rows: bool = True,
    sharing: EverydaySharing | None = None,
    patterns: int = 0,
) -> SampleInfo:
    """Write a sample marketplace: ``folder/data`` (the input) and ``folder/truth``.

    With ``bad_rows`` a few broken rows are added, as real exports have them, so that the
    run shows what it sets aside in rejects.csv. With ``sharing`` the marketplace has
    everyday honest sharing, services and co-working spaces (:mod:`graphring.sample.sharing`).
    """
    folder = Path(folder)
    tables, truth = generate(n_shops, seed, sharing, patterns)
    if bad_rows:
        m = tables["merchants"]
        bad = pd.DataFrame(
            {
                "merchant_id": ["", "MBAD0001"],
                "name": ["No Id Shop", "Bad Rating"],
                "rating": ["4.5", "4.8 stars"],
            }
        )
        tables["merchants"] = pd.concat([m, bad], ignore_index=True)
        lst = tables["listings"]
        tables["listings"] = pd.concat(
            [
                lst,
                pd.DataFrame(
                    {"listing_id": ["LBAD0001"], "merchant_id": ["M_UNKNOWN"], "price": [10.0]}
                ),
            ],
            ignore_index=True,
        )
    data, truth_dir = folder / "data", folder / "truth"
    data.mkdir(parents=True, exist_ok=True)
    truth_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(data / f"{name}.csv", index=False)
    truth.to_csv(truth_dir / "groups.csv", index=False)
    return SampleInfo(
        data,
        truth_dir,
        len(tables["merchants"]),
        int((truth.drop_duplicates("group")["kind"] == "counterfeit").sum()),
    )
