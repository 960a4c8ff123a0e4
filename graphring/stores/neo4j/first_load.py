"""The first load into a database holding no data: shared nodes first, then everything
else between nodes found by the ids their creation returned."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graphring.contract import Dataset
from graphring.stores.base import LISTING_COLUMNS
from graphring.stores.neo4j.columns import (
    ACCOUNT_EDGE,
    ADDRESS_EDGE,
    add_extra,
    bolt_columns,
    contract_columns,
    distinct_rows,
    extra_maps,
    parcel_columns,
    parcel_extras,
    row_codes,
    shop_columns,
)
from graphring.stores.neo4j.scheduler import Step


def first_load_steps(dataset: Dataset, parts: int) -> Iterator[Step]:
    """A first load into a database holding no data (the ``first_*`` queries): shops and
    every distinct address, account and identifier are CREATEd first, their queries
    returning the node ids; the relationships, parcels and listings after them find their
    nodes by those ids, with no index lookup and no lock on an index entry. No step MERGEs
    anything, so every step (in ``parts`` parts) may run beside any other once the nodes
    it needs exist. Nothing is marked ``seen``: the mirror step leaves every label alone.

    Rows are matched to shops and nodes by integer codes (hashing each string column
    once); shared nodes are created in key order, which keeps their index inserts close
    together (at 1M shops: 122 s of identifier creation became 70 s).
    """
    m, merchants, m_extra = shop_columns(dataset)
    merchants = add_extra(merchants, m_extra)
    shop_ids = np.empty(len(m), dtype=object)
    yield from Step("first_merchants", "merchants", merchants, ids=shop_ids).split(parts)
    shops = pa.array(m["merchant_id"], type=pa.string())

    def shop_of(table: str) -> np.ndarray:
        found = pc.index_in(pa.array(dataset[table]["merchant_id"], type=pa.string()), shops)
        return pc.fill_null(found, -1).to_numpy().astype(np.int64)

    def created(label: str, columns: dict[str, list[Any]]) -> tuple[np.ndarray, list[Step]]:
        """The steps creating one label's shared nodes, and where their ids will be."""
        ids = np.empty(len(next(iter(columns.values()))), dtype=object)
        query = f"first_{label.lower()}_nodes"
        step = Step(query, f"{label} nodes", columns, ids=ids, input_rows=False)
        return ids, step.split(parts)

    a, p, i, s = (dataset[t] for t in ["addresses", "payment_accounts", "identifiers", "shipments"])
    a_shop, p_shop, i_shop, s_shop = (
        shop_of(t) for t in ["addresses", "payment_accounts", "identifiers", "shipments"]
    )
    # the distinct shared nodes, and for every row the position of its node among them
    origins = s[["origin_key"]].rename(columns={"origin_key": "key"})
    a_pos, a_nodes = distinct_rows(pd.concat([a[["key"]], origins], ignore_index=True))
    p_pos, p_nodes = distinct_rows(p[["key"]])
    phone = (s["sender_phone_key"] != "").to_numpy()
    phones = pd.DataFrame({"kind": "phone", "key": s["sender_phone_key"].to_numpy()[phone]})
    x_pos, x_nodes = distinct_rows(pd.concat([i[["kind", "key"]], phones], ignore_index=True))
    s_phone = np.full(len(s), -1, dtype=np.int64)
    s_phone[phone] = x_pos[len(i) :]
    a_pos, s_origin, x_pos = a_pos[: len(a)], a_pos[len(a) :], x_pos[: len(i)]

    a_ids, address_nodes = created("Address", bolt_columns(a_nodes, ["key"]))
    x_ids, identifier_nodes = created("Identifier", bolt_columns(x_nodes, ["kind", "key"]))
    p_ids, account_nodes = created("Account", bolt_columns(p_nodes, ["key"]))
    yield from [*address_nodes, *identifier_nodes, *account_nodes]

    def needs(*labels: str) -> frozenset[str]:
        return frozenset({"merchants", *(f"{label} nodes" for label in labels)})

    def step(
        query: str,
        table: str,
        shop: np.ndarray,
        once: np.ndarray,
        columns: Callable[[pd.DataFrame], dict[str, list[Any]]],
        after: frozenset[str],
        refs: dict[str, tuple[np.ndarray, np.ndarray]],
    ) -> list[Step]:
        """A table's step: the first row of each ``once`` code, in shop order, with the
        ``columns`` made of those rows and node ids ``refs`` (positions per table row)."""
        first = np.flatnonzero(~pd.Series(once).duplicated().to_numpy())
        rows = first[np.argsort(shop[first], kind="stable")]
        refs = {"m": (shop_ids, shop), **refs}
        made = Step(
            query,
            table,
            columns(dataset[table].iloc[rows]),
            after=after,
            refs={name: (ids, pos[rows]) for name, (ids, pos) in refs.items()},
        )
        return made.split(parts)

    def code(table: str, column: str) -> np.ndarray:
        return pd.factorize(dataset[table][column])[0].astype(np.int64)

    def listings(frame: pd.DataFrame) -> dict[str, list[Any]]:
        columns = bolt_columns(frame, [c for c in LISTING_COLUMNS if c != "merchant_id"])
        return add_extra(columns, extra_maps(frame, contract_columns("listings")))

    yield from step(
        "first_listings",
        "listings",
        shop_of("listings"),
        code("listings", "listing_id"),
        listings,
        needs(),
        {},
    )
    yield from step(
        "first_addresses",
        "addresses",
        a_shop,
        row_codes(a_shop + 1, a_pos, code("addresses", "role"), code("addresses", "address")),
        lambda frame: bolt_columns(frame, ADDRESS_EDGE),
        needs("Address"),
        {"a": (a_ids, a_pos)},
    )
    yield from step(
        "first_identifiers",
        "identifiers",
        i_shop,
        row_codes(i_shop + 1, x_pos),
        lambda frame: bolt_columns(frame, ["value"]),
        needs("Identifier"),
        {"x": (x_ids, x_pos)},
    )
    yield from step(
        "first_accounts",
        "payment_accounts",
        p_shop,
        row_codes(p_shop + 1, p_pos),
        lambda frame: bolt_columns(frame, ACCOUNT_EDGE),
        needs("Account"),
        {"a": (p_ids, p_pos)},
    )
    yield from step(
        "first_shipments",
        "shipments",
        s_shop,
        code("shipments", "shipment_id"),
        lambda frame: add_extra(parcel_columns(frame), parcel_extras(frame)),
        needs("Address", "Identifier"),
        {"a": (a_ids, s_origin), "p": (x_ids, s_phone)},
    )
