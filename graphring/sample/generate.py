"""A seeded sample marketplace with planted rings, written as a DATA_CONTRACT data folder.

Background shops carry everyday noise (family phones, co-working IPs, malls that share a
registered address and return desk, a national fulfilment hub, a platform escrow account);
benign chains share everything but look honest; counterfeit rings share warehouses,
accounts, phones and devices across provinces and sell branded memory far below its retail
price. Identifiers are written messily (abbreviations, full-width digits, phone formats).
The ground truth goes to a folder of its own, apart from the data.

Generation is vectorised with numpy; a million shops take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from graphring.sample.sharing import EverydaySharing, SharingDraw, draw_sharing

PROVINCES = [
    ("Guangdong", "Shenzhen"),
    ("Zhejiang", "Hangzhou"),
    ("Jiangsu", "Suzhou"),
    ("Shanghai", "Shanghai"),
    ("Beijing", "Beijing"),
    ("Fujian", "Xiamen"),
    ("Shandong", "Qingdao"),
    ("Henan", "Zhengzhou"),
    ("Hubei", "Wuhan"),
    ("Hunan", "Changsha"),
    ("Sichuan", "Chengdu"),
    ("Chongqing", "Chongqing"),
    ("Anhui", "Hefei"),
    ("Hebei", "Shijiazhuang"),
    ("Jiangxi", "Nanchang"),
    ("Shaanxi", "Xi'an"),
    ("Liaoning", "Shenyang"),
    ("Guangxi", "Nanning"),
    ("Yunnan", "Kunming"),
    ("Tianjin", "Tianjin"),
    ("Shanxi", "Taiyuan"),
    ("Guizhou", "Guiyang"),
    ("Jilin", "Changchun"),
    ("Heilongjiang", "Harbin"),
    ("Gansu", "Lanzhou"),
    ("Hainan", "Haikou"),
    ("Inner Mongolia", "Hohhot"),
    ("Xinjiang", "Urumqi"),
    ("Ningxia", "Yinchuan"),
    ("Qinghai", "Xining"),
    ("Tibet", "Lhasa"),
]
# Rough centres, for lead maps.
_LATLON = np.array(
    [
        (22.5, 114.1),
        (30.3, 120.2),
        (31.3, 120.6),
        (31.2, 121.5),
        (39.9, 116.4),
        (24.5, 118.1),
        (36.1, 120.4),
        (34.7, 113.6),
        (30.6, 114.3),
        (28.2, 112.9),
        (30.7, 104.1),
        (29.6, 106.5),
        (31.8, 117.2),
        (38.0, 114.5),
        (28.7, 115.9),
        (34.3, 108.9),
        (41.8, 123.4),
        (22.8, 108.3),
        (25.0, 102.7),
        (39.1, 117.2),
        (37.9, 112.5),
        (26.6, 106.7),
        (43.8, 125.3),
        (45.8, 126.5),
        (36.1, 103.8),
        (20.0, 110.3),
        (40.8, 111.7),
        (43.8, 87.6),
        (38.5, 106.3),
        (36.6, 101.8),
        (29.7, 91.1),
    ]
)
STREETS = [
    "Jianshe",
    "Renmin",
    "Zhongshan",
    "Jiefang",
    "Xinhua",
    "Gongye",
    "Heping",
    "Changjiang",
    "Huanghe",
    "Binhai",
    "Keji",
    "Chuangye",
    "Wenhua",
    "Dongfeng",
    "Yingbin",
    "Shiji",
    "Xueyuan",
    "Huaqiang",
    "Nanjing",
    "Beijing",
]
STREET_TYPES = [("Rd", "Road"), ("St", "Street"), ("Ave", "Avenue")]
WORDS = [
    "Golden",
    "Star",
    "Bright",
    "Lucky",
    "Smart",
    "Digital",
    "Ocean",
    "Dragon",
    "Swift",
    "Prime",
    "Jade",
    "Red",
    "Peak",
    "Silver",
    "Sunny",
    "Harmony",
    "Tech",
    "Fresh",
    "Global",
    "Happy",
]
NOUNS = [
    "Store",
    "Shop",
    "Mall",
    "Trading",
    "Electronics",
    "Outlet",
    "Mart",
    "Supply",
    "Flagship",
    "Depot",
]
PLATFORMS = ["taobao", "tmall", "1688", "jd", "pinduoduo"]
# (brand, product, genuine retail price in CNY)
PRODUCTS = [
    ("Kingston", "Kingston FURY Beast DDR4 16GB 3200", 399.0),
    ("Kingston", "Kingston FURY Beast DDR5 32GB 5600", 899.0),
    ("Kingston", "Kingston ValueRAM DDR4 8GB 2666", 189.0),
    ("Samsung", "Samsung DDR4 16GB 3200 laptop memory", 359.0),
    ("Samsung", "Samsung DDR5 32GB 4800 desktop memory", 799.0),
    ("SanDisk", "SanDisk Ultra 128GB microSD", 89.0),
    ("Anker", "Anker 65W USB-C charger", 199.0),
    ("Xiaomi", "Xiaomi power bank 20000mAh", 149.0),
    ("", "USB-C cable 1m", 19.0),
    ("", "Phone case", 29.0),
]
RAM = np.array([0, 1, 2, 3, 4])
REFERENCE_DATE = np.datetime64("2026-06-30")
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass(frozen=True)
class SampleInfo:
    data_dir: Path
    truth_dir: Path
    merchants: int
    rings: int


class _Addresses:
    """Structured addresses, rendered in several messy ways that normalize to one key."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.rows: list[pd.DataFrame] = []
        self.count = 0

    def new(
        self, province: np.ndarray, building: str | None = None, room: bool = True
    ) -> np.ndarray:
        n = len(province)
        rng = self.rng
        ids = np.arange(self.count, self.count + n)
        self.count += n
        self.rows.append(
            pd.DataFrame(
                {
                    "aid": ids,
                    "province": province,
                    "room": rng.integers(101, 2999, n) if room else np.zeros(n, dtype=np.int64),
                    "number": rng.integers(1, 999, n),
                    "street": rng.choice(STREETS, n),
                    "stype": rng.integers(0, 3, n),
                    "building": building or "",
                    # a unique-ish district word keeps unrelated addresses apart
                    "district": rng.integers(1, 60, n),
                }
            )
        )
        return ids

    def table(self) -> pd.DataFrame:
        t = pd.concat(self.rows, ignore_index=True).set_index("aid")
        t["city"] = t["province"].map(dict(PROVINCES))
        return t

    def render(self, aids: np.ndarray, table: pd.DataFrame) -> pd.Series:
        rows = table.loc[aids]
        n = len(rows)
        variant = self.rng.integers(0, 4, n)
        short = np.array([s for s, _ in STREET_TYPES])[rows["stype"].to_numpy()]
        long = np.array([s for _, s in STREET_TYPES])[rows["stype"].to_numpy()]
        room = rows["room"].to_numpy()
        has_room = room > 0
        room_s = pd.Series(room.astype(str))
        num = pd.Series(rows["number"].to_numpy().astype(str))
        street = pd.Series(rows["street"].to_numpy())
        bld = pd.Series(rows["building"].to_numpy())
        dist = pd.Series("District " + pd.Series(rows["district"].to_numpy().astype(str)))
        city = pd.Series(rows["city"].to_numpy())
        bld_part = np.where(bld != "", bld + " Bldg, ", "")
        v0 = (
            np.where(has_room, "Rm " + room_s + ", ", "")
            + bld_part
            + "No. "
            + num
            + " "
            + street
            + " "
            + short
            + "., "
            + dist
            + ", "
            + city
        )
        v1 = (
            np.where(has_room, "Room " + room_s + " ", "")
            + np.where(bld != "", bld + " Building ", "")
            + "#"
            + num
            + " "
            + street
            + " "
            + long
            + " "
            + dist
            + " "
            + city
        )
        v3 = (
            np.where(has_room, "room " + room_s + ", ", "")
            + np.where(bld != "", bld.str.lower() + " bldg, ", "")
            + "no"
            + num
            + " "
            + street.str.lower()
            + " "
            + pd.Series(long).str.lower()
            + ", "
            + dist.str.lower()
            + ", "
            + city
        )
        v2 = v0.str.translate(_FULLWIDTH)
        out = np.select([variant == 0, variant == 1, variant == 2], [v0, v1, v2], v3)
        return pd.Series(out)


def _phone_render(numbers: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    s = pd.Series(numbers.astype(str))
    v = rng.integers(0, 4, len(s))
    dashed = "+86 " + s.str[:3] + "-" + s.str[3:7] + "-" + s.str[7:]
    return np.select([v == 0, v == 1, v == 2], [dashed, "0086 " + s, "+86" + s], s)


def _account_render(numbers: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    s = pd.Series(numbers.astype(str))
    v = rng.integers(0, 3, len(s))
    spaced = s.str[:4] + " " + s.str[4:8] + " " + s.str[8:12] + " " + s.str[12:]
    dashed = s.str[:4] + "-" + s.str[4:8] + "-" + s.str[8:12] + "-" + s.str[12:]
    return np.select([v == 0, v == 1], [spaced, dashed], s)


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
    rng = np.random.default_rng(seed)
    n_prov = len(PROVINCES)
    prov_names = np.array([p for p, _ in PROVINCES])

    # --- planted groups -------------------------------------------------------------
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

    # --- shop attributes --------------------------------------------------------------
    province = rng.integers(0, n_prov, n)
    # the 58-shop ring spans 12 provinces; other rings 2-6; chains sit in one province
    for g, kind in gkind.items():
        members = np.flatnonzero(group == g)
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
    merchants = pd.DataFrame(
        {
            "merchant_id": ids,
            "name": names,
            "platform": rng.choice(PLATFORMS, n),
            "province": prov_names[province],
            "city": pd.Series(prov_names[province]).map(dict(PROVINCES)).to_numpy(),
            "opened_on": (REFERENCE_DATE - age_days.astype("timedelta64[D]")).astype(str),
            "monthly_orders": orders.astype(np.int64),
            "rating": np.round(rating, 2),
        }
    )

    # --- infrastructure ----------------------------------------------------------------
    addr = _Addresses(rng)
    registered = addr.new(prov_names[province])
    ret = registered.copy()
    own_return = rng.random(n) < 0.3
    ret[own_return] = addr.new(prov_names[province[own_return]])
    warehouse = np.full(n, -1)
    has_wh = rng.random(n) < 0.3
    warehouse[has_wh] = addr.new(prov_names[province[has_wh]], room=False)
    account = rng.choice(10**15, n, replace=False) + 6_222_000_000_000_000
    phone = rng.choice(10**9, n, replace=False) + 13_000_000_000
    device = np.char.add("dev-", rng.choice(16**7, n, replace=False).astype(str))
    email_user = np.char.add("shop", rng.choice(10**8, n, replace=False).astype(str))
    ip = np.char.add("10.", rng.choice(2**24, n, replace=False).astype(str))
    truth_rows = []

    # family phones: pairs of background shops
    background = np.flatnonzero(group < 0)
    fam = rng.choice(background, (int(0.01 * n), 2), replace=False)
    phone[fam[:, 1]] = phone[fam[:, 0]]
    # ring members with a relative outside the ring (noise that touches a ring)
    ring_members = np.flatnonzero(counterfeit)
    touch = rng.choice(ring_members, max(2, len(ring_members) // 15), replace=False)
    outsiders = rng.choice(np.setdiff1d(background, fam.ravel()), len(touch), replace=False)
    phone[outsiders] = phone[touch]
    # co-working spaces: small groups sharing an IP only
    rest = np.setdiff1d(background, np.concatenate([fam.ravel(), outsiders]))
    n_cowork = max(2, n // 1200)
    cow = rng.choice(rest, (n_cowork, 4), replace=False)
    ip[cow.ravel()] = np.repeat(ip[cow[:, 0]], 4)
    for j, members in enumerate(cow):
        truth_rows.append(
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
        merchants.loc[members, "province"] = prov_names[p]
        merchants.loc[members, "city"] = dict(PROVINCES)[prov_names[p]]
        building = addr.new(
            np.array([prov_names[p]]), building=f"{WORDS[j % 20]} Plaza", room=False
        )[0]
        registered[members] = building
        if j % 2 == 0:
            ret[members] = addr.new(np.array([prov_names[p]]), room=False)[0]
        truth_rows.append(
            pd.DataFrame({"group": f"mall-{j}", "kind": "mall", "merchant_id": ids[members]})
        )
    # a platform escrow account and a national fulfilment hub: supernodes
    escrow_users = rng.choice(background, min(len(background), max(150, n // 30)), replace=False)
    hub = addr.new(np.array(["Zhejiang"]), building="National Fulfilment Hub", room=False)[0]
    hub_users = rng.choice(background, min(len(background), max(150, n // 25)), replace=False)

    # chains: one owner, everything shared, honest storefronts
    for g, kind in gkind.items():
        members = np.flatnonzero(group == g)
        if kind != "chain":
            continue
        lead = members[0]
        account[members] = account[lead]
        phone[members] = phone[lead]
        email_user[members] = email_user[lead]
        ret[members] = ret[lead]
        warehouse[members] = addr.new(np.array([prov_names[province[lead]]]), room=False)[0]
        age_days_m = rng.integers(700, 3000, len(members))
        merchants.loc[members, "opened_on"] = (
            REFERENCE_DATE - age_days_m.astype("timedelta64[D]")
        ).astype(str)
        merchants.loc[members, "rating"] = np.round(rng.uniform(4.7, 4.95, len(members)), 2)
        truth_rows.append(
            pd.DataFrame({"group": f"chain-{g}", "kind": "chain", "merchant_id": ids[members]})
        )
    # counterfeit rings: cells around warehouses, shared accounts, phones, devices
    extra_accounts: list[tuple[int, int]] = []  # (shop, account) second accounts
    second_wh: list[tuple[int, int]] = []  # (shop, warehouse) bridging shops
    for g, kind in gkind.items():
        if kind != "counterfeit":
            continue
        members = rng.permutation(np.flatnonzero(group == g))
        n_cells = 3 if len(members) >= 40 else 1
        cells = np.array_split(members, n_cells)
        whs = addr.new(np.full(n_cells, prov_names[province[members[0]]]), room=False)
        ring_account = account[members[0]]
        for c, cell in enumerate(cells):
            warehouse[cell] = whs[c]
            ret[cell] = addr.new(np.array([prov_names[province[cell[0]]]]))[0]
            for chunk in np.array_split(cell, max(1, len(cell) // 7)):
                account[chunk] = account[chunk[0]]
            for chunk in np.array_split(rng.permutation(cell), max(1, len(cell) // 4)):
                phone[chunk] = phone[chunk[0]]
            for chunk in np.array_split(rng.permutation(cell), max(1, len(cell) // 5)):
                device[chunk] = device[chunk[0]]
            # a few shops of each cell also pay into the ring's common account
            payers = cell[: max(1, len(cell) // 6)]
            extra_accounts += [(int(s), int(ring_account)) for s in payers]
        if n_cells > 1:
            # two shops of each cell also ship from the next cell's warehouse
            for c, cell in enumerate(cells):
                for s in rng.choice(cell, 2, replace=False):
                    second_wh.append((int(s), int(whs[(c + 1) % n_cells])))
        truth_rows.append(
            pd.DataFrame({"group": f"ring-{g}", "kind": "counterfeit", "merchant_id": ids[members]})
        )

    extra = (
        draw_sharing(sharing, seed, n, np.flatnonzero(group < 0), addr.new, prov_names)
        if sharing
        else None
    )
    if extra is not None:
        warehouse[extra.warehouse["shop"].to_numpy()] = extra.warehouse["aid"].to_numpy()
        truth_rows.append(
            pd.DataFrame(
                {
                    "group": extra.truth["group"],
                    "kind": extra.truth["kind"],
                    "merchant_id": ids[extra.truth["shop"].to_numpy()],
                }
            )
        )

    # --- tables ------------------------------------------------------------------------
    atable = addr.table()
    roles = [
        ("registered", registered, np.ones(n, bool)),
        ("return", ret, ret != registered),
        ("warehouse", warehouse, warehouse >= 0),
    ]
    addr_rows = []
    for role, aid, mask in roles:
        idx = np.flatnonzero(mask)
        addr_rows.append(pd.DataFrame({"merchant_id": ids[idx], "aid": aid[idx], "role": role}))
    for shop, wh in second_wh:
        addr_rows.append(
            pd.DataFrame({"merchant_id": [ids[shop]], "aid": [wh], "role": ["warehouse"]})
        )
    if extra is not None:
        # sublet pairs and co-working registrations
        addr_rows.append(
            pd.DataFrame(
                {
                    "merchant_id": ids[extra.addresses["shop"].to_numpy()],
                    "aid": extra.addresses["aid"].to_numpy(),
                    "role": extra.addresses["role"].to_numpy(),
                }
            )
        )
    addresses = pd.concat(addr_rows, ignore_index=True)
    ainfo = atable.loc[addresses["aid"].to_numpy()]
    addresses["address"] = addr.render(addresses["aid"].to_numpy(), atable).to_numpy()
    addresses["province"] = ainfo["province"].to_numpy()
    addresses["city"] = ainfo["city"].to_numpy()
    pidx = (
        pd.Series(ainfo["province"].to_numpy())
        .map({p: i for i, (p, _) in enumerate(PROVINCES)})
        .to_numpy()
    )
    jitter = rng.normal(0, 0.05, (len(addresses), 2))
    addresses["lat"] = np.round(_LATLON[pidx, 0] + jitter[:, 0], 4)
    addresses["lon"] = np.round(_LATLON[pidx, 1] + jitter[:, 1], 4)
    addresses = addresses.drop(columns="aid")

    pay = pd.DataFrame({"merchant_id": ids, "account": account})
    pay = pd.concat(
        [
            pay,
            pd.DataFrame(
                {
                    "merchant_id": ids[[s for s, _ in extra_accounts]],
                    "account": np.array([a for _, a in extra_accounts], dtype=np.int64),
                }
            ),
            pd.DataFrame({"merchant_id": ids[escrow_users], "account": 9_558_800_000_000_001}),
            *_shared_accounts(extra, ids),
        ],
        ignore_index=True,
    ).drop_duplicates()
    pay["account"] = _account_render(pay["account"].to_numpy(), rng)
    pay["provider"] = rng.choice(["ICBC", "CCB", "Alipay", "WeChat Pay", "ABC"], len(pay))
    pay["holder"] = ""

    # shipments: about 1.7 per shop; from the warehouse when there is one
    per_shop = rng.poisson(np.where(counterfeit, 4.0, 1.6))
    sender = np.repeat(np.arange(n), per_shop)
    origin = np.where(warehouse[sender] >= 0, warehouse[sender], registered[sender])
    from_hub = np.isin(sender, hub_users) & (rng.random(len(sender)) < 0.9)
    origin[from_hub] = hub
    m = len(sender)
    days = rng.integers(0, 180, m)
    secs = rng.integers(0, 86400, m)
    stamp = (REFERENCE_DATE - days.astype("timedelta64[D]")).astype("datetime64[s]") + secs.astype(
        "timedelta64[s]"
    )
    shipments = pd.DataFrame(
        {
            "shipment_id": np.char.add("SH", (rng.permutation(m) + 100_000_000).astype(str)),
            "merchant_id": ids[sender],
            "origin": addr.render(origin, atable).to_numpy(),
            "destination": "",
            "carrier": rng.choice(["SF Express", "ZTO", "YTO", "STO", "JD Logistics"], m),
            "shipped_at": pd.Series(stamp).dt.strftime("%Y-%m-%dT%H:%M:%S").to_numpy(),
            "sender_phone": _phone_render(phone[sender], rng),
        }
    )

    ident = pd.concat(
        [
            pd.DataFrame({"merchant_id": ids, "kind": "phone", "value": _phone_render(phone, rng)}),
            pd.DataFrame(
                {
                    "merchant_id": ids,
                    "kind": "email",
                    "value": np.where(
                        rng.random(n) < 0.5,
                        np.char.add(email_user, "@example.cn"),
                        np.char.add(np.char.upper(email_user), "@Example.CN "),
                    ),
                }
            ),
            pd.DataFrame({"merchant_id": ids, "kind": "device", "value": device}),
            pd.DataFrame({"merchant_id": ids, "kind": "ip", "value": ip}),
            *_shared_identifiers(extra, ids, seed),
        ],
        ignore_index=True,
    )

    # listings: ring shops sell branded RAM far below retail, images quoting another price
    per = np.where(counterfeit, rng.integers(3, 9, n), rng.integers(1, 5, n))
    owner = np.repeat(np.arange(n), per)
    k = len(owner)
    ring_l = counterfeit[owner]
    product = np.where(ring_l, rng.choice(RAM, k), rng.integers(0, len(PRODUCTS), k))
    ref = np.array([p[2] for p in PRODUCTS])[product]
    factor = rng.uniform(0.85, 1.05, k)
    sale = ~ring_l & (rng.random(k) < 0.03)
    factor[sale] = rng.uniform(0.55, 0.7, sale.sum())
    fake = ring_l & (rng.random(k) < 0.85)
    factor[fake] = rng.uniform(0.3, 0.55, fake.sum())
    price = np.round(ref * factor, 0)
    img_kind = rng.random(k)
    image_price = np.where(fake & (img_kind < 0.7), ref, price)
    has_text = rng.random(k) < 0.7
    image_text = np.where(
        has_text,
        np.char.add(
            np.where(rng.random(k) < 0.5, "到手价 ¥", "Only RMB "),
            image_price.astype(np.int64).astype(str),
        ),
        "",
    )
    brand = np.array([p[0] for p in PRODUCTS])[product]
    listings = pd.DataFrame(
        {
            "listing_id": np.char.add("L", (rng.permutation(k) + 10_000_000).astype(str)),
            "merchant_id": ids[owner],
            "brand": brand,
            "title": np.array([p[1] for p in PRODUCTS])[product],
            "price": price,
            "reference_price": np.where(brand != "", ref, np.nan),
            "image_text": image_text,
        }
    )
    truth = pd.concat(truth_rows, ignore_index=True)
    merchants = merchants.iloc[rng.permutation(n)].reset_index(drop=True)
    tables = {
        "merchants": merchants,
        "addresses": addresses,
        "payment_accounts": pay,
        "shipments": shipments,
        "identifiers": ident,
        "listings": listings,
    }
    return tables, truth


def _shared_accounts(extra: SharingDraw | None, ids: np.ndarray) -> list[pd.DataFrame]:
    """Payment rows of everyday sharing: family accounts, service accounts."""
    if extra is None:
        return []
    acc = extra.accounts
    return [
        pd.DataFrame(
            {
                "merchant_id": ids[acc["shop"].to_numpy()],
                "account": acc["account"].to_numpy().astype(np.int64),
            }
        )
    ]


def _shared_identifiers(
    extra: SharingDraw | None, ids: np.ndarray, seed: int
) -> list[pd.DataFrame]:
    """Identifier rows of everyday sharing: a relative's phone, a shared device."""
    if extra is None:
        return []
    rows = extra.identifiers
    value = rows["value"].to_numpy().astype(object)
    phone = (rows["kind"] == "phone").to_numpy()
    render = np.random.default_rng([seed, 16])
    value[phone] = _phone_render(value[phone].astype(np.int64), render)
    return [
        pd.DataFrame(
            {"merchant_id": ids[rows["shop"].to_numpy()], "kind": rows["kind"], "value": value}
        )
    ]


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
