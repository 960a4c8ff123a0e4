"""The steps a load sends into a database that already holds data: MERGE and tag with
``seen`` (the ``_fresh`` variant for a label the database holds none of, ``_replace``
when properties must be rewritten); an empty database gets :mod:`.first_load`'s plan."""

from __future__ import annotations

from collections.abc import Iterator

from graphring.contract import TABLES, Dataset
from graphring.errors import InputError
from graphring.stores.base import LISTING_COLUMNS, MERCHANT_COLUMNS
from graphring.stores.neo4j.columns import (
    ACCOUNT_EDGE,
    ADDRESS_EDGE,
    Extra,
    add_extra,
    bolt_column,
    bolt_columns,
    by_shop,
    contract_columns,
    extra_maps,
    parcel_columns,
    parcel_extras,
    shop_columns,
)
from graphring.stores.neo4j.first_load import first_load_steps
from graphring.stores.neo4j.scheduler import Step

#: The labels a load writes and the mirror step prunes (Ring and Run are the run's own).
DATA_LABELS = ("Account", "Address", "Identifier", "Listing", "Merchant", "Shipment")
#: The relationship types a load writes and the mirror step prunes.
DATA_TYPES = ("FROM", "HAS_ADDRESS", "HAS_IDENTIFIER", "LISTS", "PAYS_INTO", "SENDER_PHONE", "SENT")
#: Node property every load sets to its load id; a file's extra column cannot use it.
SEEN = "seen"
#: Per load query: the labels and relationship types it writes without ``seen`` in its
#: ``_fresh`` variant, which a load uses when the database holds none of them.
FRESH_WHEN_ABSENT = {
    "load_merchants": ("Merchant",),
    "load_addresses": ("HAS_ADDRESS",),
    "load_accounts": ("PAYS_INTO",),
    "load_identifiers": ("HAS_IDENTIFIER",),
    "load_shipments": ("Shipment", "SENT", "FROM", "SENDER_PHONE"),
    "load_listings": ("Listing", "LISTS"),
}


def check_extras(dataset: Dataset) -> None:
    for table in ("merchants", "shipments", "listings"):
        if SEEN in dataset[table].columns:
            src = dataset.sources.get(table)
            raise InputError(
                f"the column name {SEEN!r} is reserved in Neo4j (every load marks what it "
                "wrote with it): rename the column",
                file=src.path.name if src else f"{table}.csv",
                column=SEEN,
            )


#: Per label with extra columns: the table, the contract columns stored as properties.
_NODE_TABLES = {
    "Merchant": ("merchants", MERCHANT_COLUMNS),
    "Shipment": ("shipments", ["shipment_id", "origin", "destination", "carrier", "shipped_at"]),
    "Listing": (
        "listings",
        ["listing_id", "brand", "title", "price", "reference_price", "image_text"],
    ),
}


def known_properties(dataset: Dataset) -> dict[str, list[str]]:
    """The properties each Merchant, Shipment and Listing node may have after this load."""
    out = {}
    for label, (table, stored) in _NODE_TABLES.items():
        named = {c.name for c in TABLES[table].columns} | {
            "_line",
            "origin_key",
            "sender_phone_key",
        }
        extra = [c for c in dataset[table].columns if c not in named]
        out[label] = sorted({*stored, *extra, SEEN})
    return out


def plan_steps(
    dataset: Dataset,
    replace: set[str] | frozenset[str] = frozenset(),
    absent: set[str] | frozenset[str] = frozenset(),
    parts: int = 1,
) -> Iterator[Step]:
    """The batches a load sends, table by table, one step at a time (a load sends the
    first steps while the next ones are still being made): shops first (the rest MATCH
    them), and parcels early as they MERGE addresses and phones -- the order of preference
    when steps run side by side.

    Into a database holding no data at all (every label and relationship type
    ``absent``), the plan is :func:`first_load_steps`. Otherwise a table with extra
    columns, or whose label is in ``replace`` (the database holds properties of a column
    since dropped), uses the ``_replace`` query that rewrites every property; a table whose
    labels and relationship types are all in ``absent`` (the database holds none of them)
    uses the ``_fresh`` query that CREATEs them. Shops and listings, which MERGE no shared
    node, come in ``parts`` parts (listings in twice as many) that may load at once.
    """
    check_extras(dataset)
    if {*DATA_LABELS, *DATA_TYPES} <= set(absent):
        yield from first_load_steps(dataset, parts)
        return

    def variant(name: str, label: str, extra: Extra) -> str:
        if extra is None and set(FRESH_WHEN_ABSENT[name]) <= absent:
            return f"{name}_fresh"
        return f"{name}_replace" if extra is not None or label in replace else name

    def with_extra(step: Step, extra: Extra) -> Step:
        if step.query.endswith("_replace"):
            step.columns = add_extra(step.columns, extra)
        return step

    after = frozenset({"merchants"})
    _, merchants, m_extra = shop_columns(dataset)
    m_step = Step(variant("load_merchants", "Merchant", m_extra), "merchants", merchants)
    yield from with_extra(m_step, m_extra).split(parts)

    a = by_shop(dataset, "addresses", ["merchant_id", "key", "role", "address"])
    yield Step(
        variant("load_addresses", "Address", None),
        "addresses",
        bolt_columns(a, ["merchant_id", "key", *ADDRESS_EDGE]),
        frozenset({"Address"}),
        after,
    )

    i = by_shop(dataset, "identifiers", ["merchant_id", "kind", "key"])
    kinds = sorted(i["kind"].unique(), key=lambda kind: (kind != "phone", kind))

    def by_kind(kind: str) -> Step:
        # identifiers go one kind at a time: kinds share no node, so two can load at once
        return Step(
            variant("load_identifiers", "Identifier", None),
            "identifiers",
            bolt_columns(i.loc[i["kind"] == kind], ["merchant_id", "kind", "key", "value"]),
            frozenset({f"Identifier:{kind}"}),
            after,
        )

    yield from (by_kind(kind) for kind in kinds[:1])

    p = by_shop(dataset, "payment_accounts", ["merchant_id", "key"])
    yield Step(
        variant("load_accounts", "Account", None),
        "payment_accounts",
        bolt_columns(p, ["merchant_id", "key", *ACCOUNT_EDGE]),
        frozenset({"Account"}),
        after,
    )

    s = by_shop(dataset, "shipments", ["shipment_id"])
    shipments, s_extra = parcel_columns(s), parcel_extras(s)
    shipments |= bolt_columns(s, ["merchant_id", "origin_key"])
    shipments["phone_key"] = bolt_column(s["sender_phone_key"].where(s["sender_phone_key"] != ""))
    s_step = Step(
        variant("load_shipments", "Shipment", s_extra),
        "shipments",
        shipments,
        frozenset({"Shipment", "Address", "Identifier:phone"}),
        after,
    )
    yield with_extra(s_step, s_extra)

    yield from (by_kind(kind) for kind in kinds[1:])

    lst = by_shop(dataset, "listings", ["listing_id"])
    l_extra = extra_maps(lst, contract_columns("listings"))
    listings = bolt_columns(lst, LISTING_COLUMNS)
    l_step = Step(
        variant("load_listings", "Listing", l_extra), "listings", listings, frozenset(), after
    )
    yield from with_extra(l_step, l_extra).split(2 * parts if parts > 1 else 1)
