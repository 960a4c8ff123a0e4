"""The contract's tables written from a drawn :class:`graphring.sample.market.Market`:
addresses, payment accounts, shipments, identifiers and listings, each identifier written
messily (:mod:`graphring.sample.render`). Drawn in this order from the market's generator."""

from __future__ import annotations

import numpy as np
import pandas as pd

from graphring.sample.market import Market
from graphring.sample.render import account_render, phone_render
from graphring.sample.sharing import SharingDraw
from graphring.sample.vocabulary import LATLON, PRODUCTS, PROVINCES, RAM, REFERENCE_DATE


def market_tables(m: Market, seed: int) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The tables of DATA_CONTRACT and the ground truth of the market ``m``."""
    known = m.addresses.table()
    addresses = address_table(m, known)
    pay = payment_table(m)
    shipments = shipment_table(m, known)
    ident = identifier_table(m, seed)
    listings = listing_table(m)
    truth = pd.concat(m.truth_rows, ignore_index=True)
    merchants = m.merchants.iloc[m.rng.permutation(m.n)].reset_index(drop=True)
    tables = {
        "merchants": merchants,
        "addresses": addresses,
        "payment_accounts": pay,
        "shipments": shipments,
        "identifiers": ident,
        "listings": listings,
    }
    return tables, truth


def address_table(m: Market, atable: pd.DataFrame) -> pd.DataFrame:
    """One row per (shop, address, role): registered, return (when not the registered
    one), warehouses, and what everyday sharing adds; rendered (``atable``: the market's
    addresses), with rough coordinates."""
    rng, n, ids, addr, extra = m.rng, m.n, m.ids, m.addresses, m.extra
    roles = [
        ("registered", m.registered, np.ones(n, bool)),
        ("return", m.ret, m.ret != m.registered),
        ("warehouse", m.warehouse, m.warehouse >= 0),
    ]
    addr_rows = []
    for role, aid, mask in roles:
        idx = np.flatnonzero(mask)
        addr_rows.append(pd.DataFrame({"merchant_id": ids[idx], "aid": aid[idx], "role": role}))
    for shop, wh in m.second_wh:
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
    addresses["lat"] = np.round(LATLON[pidx, 0] + jitter[:, 0], 4)
    addresses["lon"] = np.round(LATLON[pidx, 1] + jitter[:, 1], 4)
    return addresses.drop(columns="aid")


def payment_table(m: Market) -> pd.DataFrame:
    """Each shop's account, ring shops' second accounts, the escrow account, shared ones."""
    rng, ids = m.rng, m.ids
    pay = pd.DataFrame({"merchant_id": ids, "account": m.account})
    pay = pd.concat(
        [
            pay,
            pd.DataFrame(
                {
                    "merchant_id": ids[[s for s, _ in m.extra_accounts]],
                    "account": np.array([a for _, a in m.extra_accounts], dtype=np.int64),
                }
            ),
            pd.DataFrame({"merchant_id": ids[m.escrow_users], "account": 9_558_800_000_000_001}),
            *_shared_accounts(m.extra, ids),
        ],
        ignore_index=True,
    ).drop_duplicates()
    pay["account"] = account_render(pay["account"].to_numpy(), rng)
    pay["provider"] = rng.choice(["ICBC", "CCB", "Alipay", "WeChat Pay", "ABC"], len(pay))
    pay["holder"] = ""
    return pay


def shipment_table(m: Market, atable: pd.DataFrame) -> pd.DataFrame:
    """About 1.7 shipments per shop (4 per ring shop); from the warehouse when there is
    one, mostly from the national hub for its users."""
    rng, n, ids = m.rng, m.n, m.ids
    per_shop = rng.poisson(np.where(m.counterfeit, 4.0, 1.6))
    sender = np.repeat(np.arange(n), per_shop)
    origin = np.where(m.warehouse[sender] >= 0, m.warehouse[sender], m.registered[sender])
    from_hub = np.isin(sender, m.hub_users) & (rng.random(len(sender)) < 0.9)
    origin[from_hub] = m.hub
    k = len(sender)
    days = rng.integers(0, 180, k)
    secs = rng.integers(0, 86400, k)
    stamp = (REFERENCE_DATE - days.astype("timedelta64[D]")).astype("datetime64[s]") + secs.astype(
        "timedelta64[s]"
    )
    return pd.DataFrame(
        {
            "shipment_id": np.char.add("SH", (rng.permutation(k) + 100_000_000).astype(str)),
            "merchant_id": ids[sender],
            "origin": m.addresses.render(origin, atable).to_numpy(),
            "destination": "",
            "carrier": rng.choice(["SF Express", "ZTO", "YTO", "STO", "JD Logistics"], k),
            "shipped_at": pd.Series(stamp).dt.strftime("%Y-%m-%dT%H:%M:%S").to_numpy(),
            "sender_phone": phone_render(m.phone[sender], rng),
        }
    )


def identifier_table(m: Market, seed: int) -> pd.DataFrame:
    """Phones, emails (in two spellings), devices and IPs, and everyday shared ones."""
    rng, n, ids = m.rng, m.n, m.ids
    return pd.concat(
        [
            pd.DataFrame(
                {"merchant_id": ids, "kind": "phone", "value": phone_render(m.phone, rng)}
            ),
            pd.DataFrame(
                {
                    "merchant_id": ids,
                    "kind": "email",
                    "value": np.where(
                        rng.random(n) < 0.5,
                        np.char.add(m.email_user, "@example.cn"),
                        np.char.add(np.char.upper(m.email_user), "@Example.CN "),
                    ),
                }
            ),
            pd.DataFrame({"merchant_id": ids, "kind": "device", "value": m.device}),
            pd.DataFrame({"merchant_id": ids, "kind": "ip", "value": m.ip}),
            *_shared_identifiers(m.extra, ids, seed),
        ],
        ignore_index=True,
    )


def listing_table(m: Market) -> pd.DataFrame:
    """Listings: ring shops sell branded RAM far below retail, images quoting another
    price; honest shops now and then have a sale."""
    rng, n, ids, counterfeit = m.rng, m.n, m.ids, m.counterfeit
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
    return pd.DataFrame(
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
    value[phone] = phone_render(value[phone].astype(np.int64), render)
    return [
        pd.DataFrame(
            {"merchant_id": ids[rows["shop"].to_numpy()], "kind": rows["kind"], "value": value}
        )
    ]
