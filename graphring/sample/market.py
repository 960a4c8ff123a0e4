"""The sample marketplace drawn stage by stage: planted groups, shops, their infrastructure,
everyday noise, honest chains, counterfeit rings, everyday sharing. Every stage draws from
the one generator of :class:`Market`, in this order: the same seed gives the same market."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from graphring.sample.render import Addresses
from graphring.sample.sharing import EverydaySharing, SharingDraw, draw_sharing
from graphring.sample.vocabulary import (
    NOUNS,
    PLATFORMS,
    PROVINCES,
    REFERENCE_DATE,
    WORDS,
)

PROVINCE_NAMES = np.array([p for p, _ in PROVINCES])


@dataclass
class Market:
    """Shops by position 0..n-1 and what each holds, as the stages draw them."""

    rng: np.random.Generator
    n: int
    ids: np.ndarray
    #: planted group index per shop (-1: background)
    group: np.ndarray
    #: group index -> counterfeit or chain
    gkind: dict[int, str]
    counterfeit: np.ndarray
    province: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    merchants: pd.DataFrame = field(default_factory=pd.DataFrame)
    addr: Addresses | None = None
    # address ids per shop (-1: no warehouse)
    registered: np.ndarray = field(default_factory=lambda: np.array([]))
    ret: np.ndarray = field(default_factory=lambda: np.array([]))
    warehouse: np.ndarray = field(default_factory=lambda: np.array([]))
    account: np.ndarray = field(default_factory=lambda: np.array([]))
    phone: np.ndarray = field(default_factory=lambda: np.array([]))
    device: np.ndarray = field(default_factory=lambda: np.array([]))
    email_user: np.ndarray = field(default_factory=lambda: np.array([]))
    ip: np.ndarray = field(default_factory=lambda: np.array([]))
    truth_rows: list[pd.DataFrame] = field(default_factory=list)
    escrow_users: np.ndarray = field(default_factory=lambda: np.array([]))
    hub: int = -1
    hub_users: np.ndarray = field(default_factory=lambda: np.array([]))
    #: (shop, account) second accounts of ring shops
    extra_accounts: list[tuple[int, int]] = field(default_factory=list)
    #: (shop, warehouse) ring shops bridging two cells
    second_wh: list[tuple[int, int]] = field(default_factory=list)
    extra: SharingDraw | None = None

    @property
    def addresses(self) -> Addresses:
        assert self.addr is not None, "draw_infrastructure first"
        return self.addr


def plant_groups(n_shops: int, seed: int) -> Market:
    """Ring and chain sizes, shop ids, and which shops belong to which planted group."""
    rng = np.random.default_rng(seed)
    ring_sizes = [58] + list(rng.integers(5, 26, max(4, n_shops // 1500)))
    n_chains = max(3, n_shops // 1500)
    chain_sizes = list(rng.integers(3, 9, n_chains))
    planted = sum(ring_sizes) + sum(chain_sizes)
    if n_shops < planted + 500:
        raise ValueError(f"n_shops must be at least {planted + 500}")
    n = n_shops
    ids = np.char.add("M", (rng.permutation(9_000_000)[:n] + 1_000_000).astype(str))
    group = np.full(n, -1)  # planted group index per shop
    gkind = {}  # group index -> kind
    pos = 0
    for g, size in enumerate(ring_sizes):
        group[pos : pos + size] = g
        gkind[g] = "counterfeit"
        pos += size
    for j, size in enumerate(chain_sizes):
        g = len(ring_sizes) + j
        group[pos : pos + size] = g
        gkind[g] = "chain"
        pos += size
    counterfeit = np.isin(group, [g for g, k in gkind.items() if k == "counterfeit"])
    return Market(rng, n, ids, group, gkind, counterfeit)


def draw_shops(m: Market) -> None:
    """Provinces (the 58-shop ring spans 12, other rings 2-6, a chain one), age, orders,
    rating and name of every shop: the merchants table."""
    rng, n, counterfeit = m.rng, m.n, m.counterfeit
    n_prov = len(PROVINCES)
    province = rng.integers(0, n_prov, n)
    for g, kind in m.gkind.items():
        members = np.flatnonzero(m.group == g)
        if kind == "counterfeit":
            k = 12 if len(members) == 58 else int(rng.integers(2, 7))
            provs = rng.choice(n_prov, k, replace=False)
            province[members] = provs[np.arange(len(members)) % k]
        else:
            province[members] = rng.integers(0, n_prov)
    age_days = rng.integers(200, 3000, n)
    new_bg = rng.random(n) < 0.08
    age_days[new_bg] = rng.integers(20, 180, new_bg.sum())
    age_days[counterfeit] = rng.integers(25, 240, counterfeit.sum())
    clean_looking = counterfeit & (rng.random(n) < 0.2)
    age_days[clean_looking] = rng.integers(400, 1500, clean_looking.sum())
    orders = np.round(rng.lognormal(4.0, 1.0, n))
    orders[counterfeit] = np.round(rng.lognormal(6.0, 0.6, counterfeit.sum()))
    rating = np.clip(rng.normal(4.75, 0.12, n), 3.5, 5.0)
    low = rng.random(n) < 0.03
    rating[low] = rng.uniform(3.6, 4.3, low.sum())
    rating[counterfeit] = rng.uniform(3.8, 4.5, counterfeit.sum())
    names = (
        rng.choice(WORDS, n).astype(object)
        + " "
        + rng.choice(WORDS, n)
        + " "
        + rng.choice(NOUNS, n)
        + " "
        + rng.integers(1, 999, n).astype(str)
    )
    m.province = province
    m.merchants = pd.DataFrame(
        {
            "merchant_id": m.ids,
            "name": names,
            "platform": rng.choice(PLATFORMS, n),
            "province": PROVINCE_NAMES[province],
            "city": pd.Series(PROVINCE_NAMES[province]).map(dict(PROVINCES)).to_numpy(),
            "opened_on": (REFERENCE_DATE - age_days.astype("timedelta64[D]")).astype(str),
            "monthly_orders": orders.astype(np.int64),
            "rating": np.round(rating, 2),
        }
    )


def draw_infrastructure(m: Market) -> None:
    """Each shop's own addresses (registered, return, warehouse), account, phone, device,
    email and IP."""
    rng, n, province = m.rng, m.n, m.province
    addr = Addresses(rng)
    registered = addr.new(PROVINCE_NAMES[province])
    ret = registered.copy()
    own_return = rng.random(n) < 0.3
    ret[own_return] = addr.new(PROVINCE_NAMES[province[own_return]])
    warehouse = np.full(n, -1)
    has_wh = rng.random(n) < 0.3
    warehouse[has_wh] = addr.new(PROVINCE_NAMES[province[has_wh]], room=False)
    m.addr, m.registered, m.ret, m.warehouse = addr, registered, ret, warehouse
    m.account = rng.choice(10**15, n, replace=False) + 6_222_000_000_000_000
    m.phone = rng.choice(10**9, n, replace=False) + 13_000_000_000
    m.device = np.char.add("dev-", rng.choice(16**7, n, replace=False).astype(str))
    m.email_user = np.char.add("shop", rng.choice(10**8, n, replace=False).astype(str))
    m.ip = np.char.add("10.", rng.choice(2**24, n, replace=False).astype(str))


def draw_noise(m: Market) -> None:
    """Everyday noise among background shops: family phones, a ring member's relative,
    co-working IPs, malls sharing a registered address (half also a return desk), a
    platform escrow account and a national fulfilment hub (supernodes)."""
    rng, n, ids, phone, ip = m.rng, m.n, m.ids, m.phone, m.ip
    province, addr = m.province, m.addresses
    # family phones: pairs of background shops
    background = np.flatnonzero(m.group < 0)
    fam = rng.choice(background, (int(0.01 * n), 2), replace=False)
    phone[fam[:, 1]] = phone[fam[:, 0]]
    # ring members with a relative outside the ring (noise that touches a ring)
    ring_members = np.flatnonzero(m.counterfeit)
    touch = rng.choice(ring_members, max(2, len(ring_members) // 15), replace=False)
    outsiders = rng.choice(np.setdiff1d(background, fam.ravel()), len(touch), replace=False)
    phone[outsiders] = phone[touch]
    # co-working spaces: small groups sharing an IP only
    rest = np.setdiff1d(background, np.concatenate([fam.ravel(), outsiders]))
    n_cowork = max(2, n // 1200)
    cow = rng.choice(rest, (n_cowork, 4), replace=False)
    ip[cow.ravel()] = np.repeat(ip[cow[:, 0]], 4)
    for j, members in enumerate(cow):
        m.truth_rows.append(
            pd.DataFrame({"group": f"cowork-{j}", "kind": "coworking", "merchant_id": ids[members]})
        )
    rest = np.setdiff1d(rest, cow.ravel())
    # malls: honest shops registered in one building; half also share its return desk
    n_malls = max(2, n // 1500)
    for j in range(n_malls):
        size = int(rng.integers(8, 30))
        members = rng.choice(rest, size, replace=False)
        # rest is sorted and holds every member: drop them in place of a set difference
        rest = np.delete(rest, np.searchsorted(rest, members))
        p = province[members[0]]
        province[members] = p
        m.merchants.loc[members, "province"] = PROVINCE_NAMES[p]
        m.merchants.loc[members, "city"] = dict(PROVINCES)[PROVINCE_NAMES[p]]
        building = addr.new(
            np.array([PROVINCE_NAMES[p]]), building=f"{WORDS[j % 20]} Plaza", room=False
        )[0]
        m.registered[members] = building
        if j % 2 == 0:
            m.ret[members] = addr.new(np.array([PROVINCE_NAMES[p]]), room=False)[0]
        m.truth_rows.append(
            pd.DataFrame({"group": f"mall-{j}", "kind": "mall", "merchant_id": ids[members]})
        )
    # a platform escrow account and a national fulfilment hub: supernodes
    m.escrow_users = rng.choice(background, min(len(background), max(150, n // 30)), replace=False)
    m.hub = addr.new(np.array(["Zhejiang"]), building="National Fulfilment Hub", room=False)[0]
    m.hub_users = rng.choice(background, min(len(background), max(150, n // 25)), replace=False)


def draw_chains(m: Market) -> None:
    """Chains: one owner, everything shared, honest storefronts."""
    rng, province = m.rng, m.province
    for g, kind in m.gkind.items():
        members = np.flatnonzero(m.group == g)
        if kind != "chain":
            continue
        lead = members[0]
        m.account[members] = m.account[lead]
        m.phone[members] = m.phone[lead]
        m.email_user[members] = m.email_user[lead]
        m.ret[members] = m.ret[lead]
        m.warehouse[members] = m.addresses.new(
            np.array([PROVINCE_NAMES[province[lead]]]), room=False
        )[0]
        age_days_m = rng.integers(700, 3000, len(members))
        m.merchants.loc[members, "opened_on"] = (
            REFERENCE_DATE - age_days_m.astype("timedelta64[D]")
        ).astype(str)
        m.merchants.loc[members, "rating"] = np.round(rng.uniform(4.7, 4.95, len(members)), 2)
        m.truth_rows.append(
            pd.DataFrame({"group": f"chain-{g}", "kind": "chain", "merchant_id": m.ids[members]})
        )


def draw_rings(m: Market) -> None:
    """Counterfeit rings: cells around warehouses, shared accounts, phones, devices; a few
    shops of each cell pay into the ring's common account, two ship from the next cell's
    warehouse."""
    rng, province, addr = m.rng, m.province, m.addresses
    account, phone, device = m.account, m.phone, m.device
    for g, kind in m.gkind.items():
        if kind != "counterfeit":
            continue
        members = rng.permutation(np.flatnonzero(m.group == g))
        n_cells = 3 if len(members) >= 40 else 1
        cells = np.array_split(members, n_cells)
        whs = addr.new(np.full(n_cells, PROVINCE_NAMES[province[members[0]]]), room=False)
        ring_account = account[members[0]]
        for c, cell in enumerate(cells):
            m.warehouse[cell] = whs[c]
            m.ret[cell] = addr.new(np.array([PROVINCE_NAMES[province[cell[0]]]]))[0]
            for chunk in np.array_split(cell, max(1, len(cell) // 7)):
                account[chunk] = account[chunk[0]]
            for chunk in np.array_split(rng.permutation(cell), max(1, len(cell) // 4)):
                phone[chunk] = phone[chunk[0]]
            for chunk in np.array_split(rng.permutation(cell), max(1, len(cell) // 5)):
                device[chunk] = device[chunk[0]]
            # a few shops of each cell also pay into the ring's common account
            payers = cell[: max(1, len(cell) // 6)]
            m.extra_accounts += [(int(s), int(ring_account)) for s in payers]
        if n_cells > 1:
            # two shops of each cell also ship from the next cell's warehouse
            for c, cell in enumerate(cells):
                for s in rng.choice(cell, 2, replace=False):
                    m.second_wh.append((int(s), int(whs[(c + 1) % n_cells])))
        m.truth_rows.append(
            pd.DataFrame(
                {"group": f"ring-{g}", "kind": "counterfeit", "merchant_id": m.ids[members]}
            )
        )


def draw_everyday_sharing(m: Market, sharing: EverydaySharing | None, seed: int) -> None:
    """Everyday honest sharing (:mod:`graphring.sample.sharing`), from a generator of its
    own: the groups drawn so far stay the same with it on or off."""
    if not sharing:
        return
    extra = draw_sharing(
        sharing, seed, m.n, np.flatnonzero(m.group < 0), m.addresses.new, PROVINCE_NAMES
    )
    m.extra = extra
    m.warehouse[extra.warehouse["shop"].to_numpy()] = extra.warehouse["aid"].to_numpy()
    m.truth_rows.append(
        pd.DataFrame(
            {
                "group": extra.truth["group"],
                "kind": extra.truth["kind"],
                "merchant_id": m.ids[extra.truth["shop"].to_numpy()],
            }
        )
    )
