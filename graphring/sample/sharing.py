"""Everyday honest sharing for the sample generator: what knits a real marketplace into one
giant component and what honest look-alikes of a ring's infrastructure look like.

A relative's phone, a sublet address, a shared device or a family bank account ties two
unrelated honest shops (about 0.6 such pairs per shop by default: enough for a giant
connected component of tens of thousands of shops at 200k); third-party logistics
warehouses and shared service accounts (a payment agent) serve 30-90 unrelated shops each,
below the supernode cap; co-working spaces register 15-45
shops at one address. None of these shops is in a ring.

Who shares with whom is drawn from a generator of its own (``seed`` and a fixed salt), after
the planted groups: turning the sharing on keeps the same rings, chains and malls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: Kinds of everyday pair sharing and their shares.
PAIR_KINDS = {"phone": 0.35, "device": 0.25, "address": 0.25, "account": 0.15}


@dataclass(frozen=True)
class EverydaySharing:
    """How much honest sharing a generated marketplace has (rates per shop or per 10,000)."""

    #: Pairs of shops sharing one everyday thing, per shop (0.6: a giant component).
    pairs_per_shop: float = 0.6
    #: Third-party logistics warehouses per 10,000 shops, each used by ``service_sizes``.
    logistics_per_10k: float = 10.0
    #: Shared service accounts (a payment agent) per 10,000 shops.
    service_accounts_per_10k: float = 5.0
    #: Co-working spaces per 10,000 shops, each registering 15-45 shops.
    coworking_per_10k: float = 5.0
    service_sizes: tuple[int, int] = (30, 90)
    coworking_sizes: tuple[int, int] = (15, 45)


@dataclass
class SharingDraw:
    """What the sharing adds to the tables (shop positions, not ids)."""

    #: shop, kind (phone, device), value (a phone's digits): everyday pairs
    identifiers: pd.DataFrame
    #: shop, address id, role: sublet pairs, co-working registrations
    addresses: pd.DataFrame
    #: shop, account number: family accounts, service accounts
    accounts: pd.DataFrame
    #: shop -> 3PL warehouse address id (replaces the shop's own warehouse)
    warehouse: pd.DataFrame
    #: group, kind, shop: the services and co-working spaces, for the truth folder
    truth: pd.DataFrame = field(default_factory=pd.DataFrame)


def draw_sharing(
    sharing: EverydaySharing,
    seed: int,
    n: int,
    honest: np.ndarray,
    new_address: Callable[..., np.ndarray],
    province_names: np.ndarray,
) -> SharingDraw:
    """Draw the everyday sharing of ``n`` shops.

    Everyday pairs join any two shops (ring members have relatives too); services and
    co-working spaces serve ``honest`` shops only. ``new_address(provinces, building=,
    room=)`` makes address ids (the generator's ``_Addresses.new``).
    """
    rng = np.random.default_rng([seed, 15])
    make = new_address
    # --- everyday pairs: two shops hold one phone, device, (return) address or account;
    # each pair shares a thing of its own (a relative's phone is theirs, not a ring's), and
    # each kind's pairs are disjoint: the sharing makes long chains and trees, and cycles
    # only by chance
    n_pairs = round(sharing.pairs_per_shop * n)
    per_kind = np.minimum(rng.multinomial(n_pairs, np.array(list(PAIR_KINDS.values()))), n // 2)
    a_parts, b_parts = [], []
    for count in per_kind:
        shops = rng.permutation(n)[: 2 * count]
        a_parts.append(shops[:count])
        b_parts.append(shops[count:])
    a, b = np.concatenate(a_parts), np.concatenate(b_parts)
    kind = np.repeat(np.array(list(PAIR_KINDS)), per_kind)
    pair = np.arange(len(a))
    both = pd.DataFrame(
        {"shop": np.concatenate([a, b]), "kind": np.tile(kind, 2), "pair": np.tile(pair, 2)}
    )
    is_addr = kind == "address"
    pair_addr = np.full(len(a), -1)
    pair_addr[is_addr] = make(
        province_names[rng.integers(0, len(province_names), int(is_addr.sum()))]
    )
    ident = both.loc[both["kind"].isin(["phone", "device"])]
    ident = ident.assign(
        value=np.where(
            ident["kind"] == "phone",
            (15_000_000_000 + ident["pair"]).astype(str),
            "fam-dev-" + ident["pair"].astype(str),
        )
    )[["shop", "kind", "value"]]
    fam_acct = both.loc[both["kind"] == "account"]
    fam_acct = pd.DataFrame(
        {"shop": fam_acct["shop"], "account": 6_228_800_000_000_000 + fam_acct["pair"]}
    )
    sublet = both.loc[both["kind"] == "address"]
    sublet = pd.DataFrame(
        {"shop": sublet["shop"], "aid": pair_addr[sublet["pair"].to_numpy()], "role": "return"}
    )
    # --- services: 3PL warehouses and service accounts, each for 30-90 honest shops
    lo, hi = sharing.service_sizes
    n_3pl = round(sharing.logistics_per_10k * n / 10_000)
    n_acct = round(sharing.service_accounts_per_10k * n / 10_000)
    n_cow = round(sharing.coworking_per_10k * n / 10_000)
    sizes = rng.integers(lo, hi + 1, n_3pl + n_acct)
    clo, chi = sharing.coworking_sizes
    cow_sizes = rng.integers(clo, chi + 1, n_cow)
    all_sizes = np.concatenate([sizes, cow_sizes]).astype(np.int64)
    users = rng.choice(honest, int(all_sizes.sum())) if len(all_sizes) else np.array([], int)
    which = np.repeat(np.arange(len(all_sizes)), all_sizes)
    # a shop drawn twice for one service is one user of it
    uses = pd.DataFrame({"service": which, "shop": users}).drop_duplicates()
    svc = uses["service"].to_numpy()
    is_3pl = svc < n_3pl
    is_acct = (svc >= n_3pl) & (svc < n_3pl + n_acct)
    is_cow = svc >= n_3pl + n_acct
    provinces = province_names[rng.integers(0, len(province_names), len(all_sizes))]
    wh_ids = make(provinces[:n_3pl], building="Logistics Park", room=False)
    cow_ids = make(provinces[n_3pl + n_acct :], building="Co-working Hub")
    warehouse = pd.DataFrame(
        {"shop": uses["shop"].to_numpy()[is_3pl], "aid": np.asarray(wh_ids)[svc[is_3pl]]}
    )
    # one warehouse per shop: the last drawn wins
    warehouse = warehouse.drop_duplicates("shop", keep="last")
    acct_no = 6_229_900_000_000_000 + rng.choice(10**9, max(n_acct, 1), replace=False)
    accounts = pd.DataFrame(
        {"shop": uses["shop"].to_numpy()[is_acct], "account": acct_no[svc[is_acct] - n_3pl]}
    )
    accounts = pd.concat([fam_acct, accounts], ignore_index=True)
    cow_shop = uses["shop"].to_numpy()[is_cow]
    cow_j = svc[is_cow] - n_3pl - n_acct
    addresses = pd.concat(
        [
            sublet,
            pd.DataFrame(
                {"shop": cow_shop, "aid": np.asarray(cow_ids)[cow_j], "role": "registered"}
            ),
        ],
        ignore_index=True,
    )
    names = np.where(is_3pl, "logistics", np.where(is_acct, "service_account", "cowork_space"))
    truth = pd.DataFrame(
        {"group": np.char.add(np.char.add(names, "-"), svc.astype(str)), "kind": names}
    )
    truth["shop"] = uses["shop"].to_numpy()
    return SharingDraw(
        identifiers=ident,
        addresses=addresses,
        accounts=accounts,
        warehouse=warehouse,
        truth=truth,
    )
