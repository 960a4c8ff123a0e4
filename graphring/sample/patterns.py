"""Rings built to stay unseen, and look-alikes that must not alert, for the sample marketplace.

- ``relay``: counterfeit shops tied one to the next, each pair by a different thing (a
  device, an account, a return address, a phone); no three shops share anything.
- ``drift``: a counterfeit ring whose one shared warehouse each shop writes its own way
  (a one-letter typo in the street, no building and room; Latin or Chinese script); two
  honest neighbours keep a warehouse on the same street at another number.
- ``camouflage``: shops a few years old, ordinary ratings, mostly genuine listings and a
  few counterfeit ones, sharing a warehouse, an account and a phone.
- ``honest_relay``: honest shops tied one to the next by a relative's phone, a sublet
  registered address or an IP.
- ``franchise``: honest shops of one owner sharing an account, an email, a return address
  and a warehouse.

:func:`identity_tables` makes identity-only data (clients with phones, emails, ID numbers,
devices, IPs and birth dates; no listings, no shop attributes): ``identity_ring`` groups
hand ID numbers, devices and phones on in chains and stars; ``household`` groups share
only an IP; birth dates collide by chance.

Truth rows: ``group, kind, merchant_id, pattern`` (kind ``counterfeit`` or ``benign``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graphring.sample.vocabulary import PRODUCTS, PROVINCES, RAM, REFERENCE_DATE, STREETS, WORDS

#: Patterns whose rings must be found and alerted on; the others must not alert.
COUNTERFEIT_PATTERNS = ("relay", "drift", "camouflage")
BENIGN_PATTERNS = ("honest_relay", "franchise")
PATTERNS = COUNTERFEIT_PATTERNS + BENIGN_PATTERNS

#: Chinese-script premises: province, city, district, streets with a look-alike typo each.
_CN_PLACES = [("广东", "深圳", "南山"), ("浙江", "杭州", "西湖"), ("江苏", "苏州", "姑苏")]
_CN_STREETS = [
    ("科技", "科枝"),
    ("建设", "建没"),
    ("人民", "人明"),
    ("中山", "中三"),
    ("新华", "新化"),
]
_RELAY_KINDS = ("device", "account", "return", "phone")
_HONEST_KINDS = ("phone", "registered", "ip")


class _Tables:
    """Rows of the contract's tables, gathered per planted group, with fresh ids."""

    def __init__(self, rng: np.random.Generator, prefix: str) -> None:
        self.rng = rng
        self.prefix = prefix
        self.count = 0
        self.values = 0
        self.rows: dict[str, list[pd.DataFrame]] = {}
        self.truth: list[pd.DataFrame] = []

    def add(self, table: str, frame: pd.DataFrame) -> None:
        self.rows.setdefault(table, []).append(frame)

    def numbers(self, n: int = 1) -> np.ndarray:
        out = np.arange(n) + self.values
        self.values += n
        return out

    def value(self, stem: str, n: int = 1) -> np.ndarray:
        return np.char.add(f"{stem}{self.prefix}", self.numbers(n).astype(str))

    def shops(self, n: int, style: str, province: np.ndarray) -> np.ndarray:
        rng = self.rng
        ids = np.char.add(f"M{self.prefix}", (np.arange(n) + self.count).astype(str))
        self.count += n
        if style == "counterfeit":
            age = rng.integers(25, 240, n)
            orders = np.round(rng.lognormal(6.0, 0.6, n))
            rating = rng.uniform(3.8, 4.5, n)
        elif style == "camouflage":
            age = rng.integers(700, 2000, n)
            orders = np.round(rng.lognormal(4.5, 0.8, n))
            rating = rng.uniform(4.5, 4.85, n)
        else:
            age = rng.integers(700, 3000, n)
            orders = np.round(rng.lognormal(4.0, 1.0, n))
            rating = rng.uniform(4.6, 4.95, n)
        names = pd.Series(rng.choice(WORDS, n)) + " " + rng.choice(WORDS, n) + " Shop"
        prov = np.array([p for p, _ in PROVINCES])[province]
        self.add(
            "merchants",
            pd.DataFrame(
                {
                    "merchant_id": ids,
                    "name": names.to_numpy() + " " + rng.integers(1, 999, n).astype(str),
                    "platform": rng.choice(["taobao", "tmall", "jd"], n),
                    "province": prov,
                    "city": pd.Series(prov).map(dict(PROVINCES)).to_numpy(),
                    "opened_on": (REFERENCE_DATE - age.astype("timedelta64[D]")).astype(str),
                    "monthly_orders": orders.astype(np.int64),
                    "rating": np.round(rating, 2),
                }
            ),
        )
        # every shop's own phone, email, device, IP, account and registered address
        own = self.numbers(n).astype(str)
        self.identify(ids, "phone", np.char.add("139", np.char.zfill(own, 8)))
        self.identify(ids, "email", np.char.add(np.char.add("p", own), "@example.cn"))
        self.identify(ids, "device", np.char.add("pdev-", own))
        self.identify(ids, "ip", np.char.add("172.16.", own))
        self.pay(ids, np.char.add("62170", np.char.zfill(own, 11)))
        self.place(ids, "registered", np.char.add(np.char.add("Rm 1, No. ", own), " Own Rd"))
        return ids

    def identify(self, ids: np.ndarray, kind: str, values: np.ndarray) -> None:
        self.add("identifiers", pd.DataFrame({"merchant_id": ids, "kind": kind, "value": values}))

    def pay(self, ids: np.ndarray, accounts: np.ndarray) -> None:
        self.add("payment_accounts", pd.DataFrame({"merchant_id": ids, "account": accounts}))

    def place(self, ids: np.ndarray, role: str, addresses: np.ndarray) -> None:
        self.add(
            "addresses", pd.DataFrame({"merchant_id": ids, "address": addresses, "role": role})
        )

    def listings(self, ids: np.ndarray, style: str) -> None:
        rng = self.rng
        n = len(ids)
        per = {"counterfeit": (3, 9), "camouflage": (6, 13)}.get(style, (1, 5))
        owner = np.repeat(np.arange(n), rng.integers(per[0], per[1], n))
        k = len(owner)
        if style == "counterfeit":
            product = rng.choice(RAM, k)
            fake = rng.random(k) < 0.85
        else:
            product = rng.integers(0, len(PRODUCTS), k)
            fake = np.zeros(k, dtype=bool)
            if style == "camouflage":
                # a few counterfeit listings over the ring: about one for every two shops
                fake[rng.choice(k, max(3, n // 2), replace=False)] = True
                product[fake] = rng.choice(RAM, int(fake.sum()))
        ref = np.array([p[2] for p in PRODUCTS])[product]
        factor = np.where(fake, rng.uniform(0.3, 0.55, k), rng.uniform(0.85, 1.05, k))
        price = np.round(ref * factor, 0)
        shown = np.where(fake & (rng.random(k) < 0.6), ref, price)
        brand = np.array([p[0] for p in PRODUCTS])[product]
        self.add(
            "listings",
            pd.DataFrame(
                {
                    "listing_id": self.value("LP", k),
                    "merchant_id": ids[owner],
                    "brand": brand,
                    "title": np.array([p[1] for p in PRODUCTS])[product],
                    "price": price,
                    "reference_price": np.where(brand != "", ref, np.nan),
                    "image_text": np.char.add("到手价 ¥", shown.astype(np.int64).astype(str)),
                }
            ),
        )

    def plant(self, ids: np.ndarray, group: str, kind: str, pattern: str) -> None:
        self.truth.append(
            pd.DataFrame({"group": group, "kind": kind, "merchant_id": ids, "pattern": pattern})
        )

    def frames(self) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
        tables = {k: pd.concat(v, ignore_index=True) for k, v in self.rows.items()}
        return tables, pd.concat(self.truth, ignore_index=True)


def premises(
    rng: np.random.Generator, chinese: bool, number: int | None = None
) -> dict[str, str | int]:
    """One warehouse's parts: where it is, its street, number, building and room."""
    if chinese:
        province, city, district = _CN_PLACES[int(rng.integers(0, len(_CN_PLACES)))]
        street, typo = _CN_STREETS[int(rng.integers(0, len(_CN_STREETS)))]
    else:
        province, city = PROVINCES[int(rng.integers(0, 10))]
        district = f"District {int(rng.integers(1, 60))}"
        street = str(rng.choice(STREETS))
        i = int(rng.integers(1, len(street) - 1))
        letter = "aeiouxz"[int(rng.integers(0, 7))]
        letter = "k" if letter == street[i].lower() else letter
        typo = street[:i] + letter + street[i + 1 :]
    return {
        "chinese": int(chinese),
        "province": province,
        "city": city,
        "district": district,
        "street": street,
        "typo": typo,
        "number": int(number if number is not None else rng.integers(1, 400)),
        "building": int(rng.integers(1, 12)),
        "room": int(rng.integers(101, 2999)),
    }


def render(p: dict[str, str | int], variant: str) -> str:
    """``exact``, ``typo`` (one letter of the street changed) or ``bare`` (no building, room)."""
    street = p["typo"] if variant == "typo" else p["street"]
    full = variant != "bare"
    if p["chinese"]:
        tail = f"{p['building']}栋{p['room']}室" if full else ""
        return f"{p['province']}省{p['city']}市{p['district']}区{street}路{p['number']}号{tail}"
    head = f"Rm {p['room']}, Block {p['building']}, " if full else ""
    return f"{head}No. {p['number']} {street} Rd., {p['district']}, {p['city']}"


def add_patterns(
    tables: dict[str, pd.DataFrame], truth: pd.DataFrame, seed: int, per_pattern: int = 6
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """``tables`` and ``truth`` of :func:`graphring.sample.generate.generate` with ``per_pattern``
    groups of every pattern of this module added (new shops; ids start ``MP``)."""
    rng = np.random.default_rng([seed, 16])
    t = _Tables(rng, "P")
    n_prov = 10
    for j in range(per_pattern):
        # relay: a chain of counterfeit shops, each pair tied by another thing
        size = int(rng.integers(5, 9))
        ids = t.shops(size, "counterfeit", rng.integers(0, n_prov, size))
        t.listings(ids, "counterfeit")
        start = int(rng.integers(0, 4))
        for i in range(size - 1):
            kind = _RELAY_KINDS[(start + i) % 4]
            pair = ids[i : i + 2]
            shared = t.value("relay")[0]
            if kind == "account":
                t.pay(pair, np.repeat(f"6228{t.numbers()[0]:012d}", 2))
            elif kind == "return":
                t.place(pair, "return", np.repeat(f"Rm 8, No. 77 {shared} Road", 2))
            elif kind == "phone":
                t.identify(pair, "phone", np.repeat(f"137{t.numbers()[0]:08d}", 2))
            else:
                t.identify(pair, "device", np.repeat(f"rdev-{shared}", 2))
        t.plant(ids, f"relay-{j}", "counterfeit", "relay")

        # drift: one warehouse, written three ways; neighbours at other numbers
        size = int(rng.integers(6, 11))
        ids = t.shops(size, "counterfeit", np.full(size, int(rng.integers(0, n_prov))))
        t.listings(ids, "counterfeit")
        wh = premises(rng, chinese=j % 2 == 1)
        variants = np.array(["exact", "typo", "bare"])[np.arange(size) % 3]
        t.place(ids, "warehouse", np.array([render(wh, v) for v in rng.permutation(variants)]))
        neighbours = t.shops(2, "honest", np.full(2, 0))
        t.listings(neighbours, "honest")
        t.place(
            neighbours,
            "warehouse",
            np.array([render({**wh, "number": int(wh["number"]) + d}, "exact") for d in (2, 4)]),
        )
        t.plant(ids, f"drift-{j}", "counterfeit", "drift")

        # camouflage: ordinary-looking shops with a shared back office and a few fakes
        size = int(rng.integers(5, 11))
        ids = t.shops(size, "camouflage", rng.integers(0, n_prov, size))
        t.listings(ids, "camouflage")
        shared = t.value("camo")[0]
        t.place(ids, "warehouse", np.repeat(render(premises(rng, False), "exact"), size))
        t.pay(ids, np.repeat(f"6229{t.numbers()[0]:012d}", size))
        t.identify(ids, "phone", np.repeat(f"136{t.numbers()[0]:08d}", size))
        t.plant(ids, f"camouflage-{j}", "counterfeit", "camouflage")

        # honest relay: relatives' phones, sublet registrations, a shared IP
        size = int(rng.integers(4, 7))
        ids = t.shops(size, "honest", np.full(size, int(rng.integers(0, n_prov))))
        t.listings(ids, "honest")
        for i in range(size - 1):
            kind = _HONEST_KINDS[i % 3]
            pair = ids[i : i + 2]
            shared = t.value("fam")[0]
            if kind == "phone":
                t.identify(pair, "phone", np.repeat(f"135{t.numbers()[0]:08d}", 2))
            elif kind == "registered":
                t.place(pair, "registered", np.repeat(f"Rm 3, No. 9 {shared} Lane", 2))
            else:
                t.identify(pair, "ip", np.repeat(f"192.168.{shared}", 2))
        t.plant(ids, f"honest-relay-{j}", "benign", "honest_relay")

        # franchise: one owner, honest storefronts, the back office shared openly
        size = int(rng.integers(4, 9))
        ids = t.shops(size, "honest", np.full(size, int(rng.integers(0, n_prov))))
        t.listings(ids, "honest")
        shared = t.value("fr")[0]
        t.pay(ids, np.repeat(f"6230{t.numbers()[0]:012d}", size))
        t.identify(ids, "email", np.repeat(f"owner{shared}@example.cn", size))
        t.place(ids, "return", np.repeat(f"Rm 5, No. 3 {shared} Avenue", size))
        t.place(ids, "warehouse", np.repeat(render(premises(rng, False), "exact"), size))
        t.plant(ids, f"franchise-{j}", "benign", "franchise")

    extra, extra_truth = t.frames()
    out = dict(tables)
    for name, frame in extra.items():
        out[name] = pd.concat([tables[name], frame], ignore_index=True)
    base_truth = truth.assign(pattern=truth["kind"].replace({"counterfeit": "dense"}))
    return out, pd.concat([base_truth, extra_truth], ignore_index=True)


def identity_tables(
    n_people: int = 3000, seed: int = 7, rings: int = 8, households: int = 40
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Identity-only data: a ``merchants`` table of ids and names and an ``identifiers``
    table (phone, email, device, ip, id_document, birth_date), with its truth."""
    rng = np.random.default_rng([seed, 161])
    ids = np.char.add("C", (np.arange(n_people) + 100_000).astype(str))
    own = np.arange(n_people).astype(str)
    born = np.datetime64("1950-01-01") + rng.integers(0, 20_000, n_people).astype("timedelta64[D]")
    ident = {
        "phone": np.char.add("138", np.char.zfill(own, 8)),
        "email": np.char.add(np.char.add("c", own), "@mail.example"),
        "device": np.char.add("cdev-", own),
        "ip": np.char.add("10.9.", own),
        "id_document": np.char.add("ID", np.char.zfill(own, 10)),
        "birth_date": born.astype(str),
    }
    extra: list[pd.DataFrame] = []
    truth: list[pd.DataFrame] = []
    order = rng.permutation(n_people)
    pos = 0
    for j in range(rings):
        size = int(rng.integers(3, 9))
        members = order[pos : pos + size]
        pos += size
        kinds = ("id_document", "device", "phone")
        if j % 2 == 0:  # a chain: each client hands one identity piece on to the next
            pairs = [(members[i], members[i + 1], kinds[i % 3]) for i in range(size - 1)]
        else:  # a star: one ID number lent to every member, plus a device here and there
            pairs = [(members[0], m, "id_document") for m in members[1:]]
            pairs += [(members[1], members[2], "device")]
        for a, b, kind in pairs:
            extra.append(
                pd.DataFrame(
                    {"merchant_id": ids[[a, b]], "kind": kind, "value": f"{kind}-ring{j}-{a}"}
                )
            )
        truth.append(
            pd.DataFrame(
                {
                    "group": f"identity-{j}",
                    "kind": "counterfeit",
                    "merchant_id": ids[members],
                    "pattern": "identity_ring",
                }
            )
        )
    for j in range(households):
        size = int(rng.integers(2, 5))
        members = order[pos : pos + size]
        pos += size
        ident["ip"][members] = ident["ip"][members[0]]
        truth.append(
            pd.DataFrame(
                {
                    "group": f"household-{j}",
                    "kind": "benign",
                    "merchant_id": ids[members],
                    "pattern": "household",
                }
            )
        )
    rows = [pd.DataFrame({"merchant_id": ids, "kind": k, "value": v}) for k, v in ident.items()]
    merchants = pd.DataFrame({"merchant_id": ids, "name": np.char.add("client ", own)})
    identifiers = pd.concat(rows + extra, ignore_index=True)
    return {"merchants": merchants, "identifiers": identifiers}, pd.concat(truth, ignore_index=True)
