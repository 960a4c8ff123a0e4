"""Column lists, one definition each, named for the table they describe.

The store tables (what every store answers), the run's tables and the tables a packet's
page shows. Several used to share a name (``EVIDENCE_COLUMNS``, ``LEAD_COLUMNS``,
``LISTING_COLUMNS``) with different contents in different modules.
"""

# -- the store's tables (graphring.stores.base.Store answers these) ---------------------------

#: Columns of :meth:`Store.merchants` before any extra attribute columns.
MERCHANT_COLUMNS = [
    "merchant_id",
    "name",
    "platform",
    "province",
    "city",
    "opened_on",
    "monthly_orders",
    "rating",
]
#: Columns of :meth:`Store.listings`.
LISTING_COLUMNS = [
    "listing_id",
    "merchant_id",
    "brand",
    "title",
    "price",
    "reference_price",
    "image_text",
]
#: Columns of :meth:`Store.shipments` and :meth:`Store.addresses`.
SHIPMENT_COLUMNS = ["shipment_id", "merchant_id", "origin_key", "shipped_at", "carrier"]
ADDRESS_COLUMNS = ["key", "address", "province", "city", "lat", "lon"]
#: Which shop holds which identifier, in which role; shipments counts parcels sent from it.
HOLDING_COLUMNS = ["merchant_id", "kind", "key", "role", "shipments"]

# -- the run's tables --------------------------------------------------------------------------

#: :attr:`graphring.pipeline.RunResult.evidence`: identifiers two or more members of a ring
#: share, one row per (ring, identifier) (the first columns of a packet's evidence.csv).
RING_EVIDENCE_COLUMNS = [
    "ring_id",
    "kind",
    "key",
    "roles",
    "shops_in_ring",
    "shops_total",
    "rarity",
    "shipments",
    "merchant_ids",
]
#: :attr:`graphring.pipeline.RunResult.leads` and leads.csv: offline sites, one row each.
LEAD_COLUMNS = [
    "address",
    "raw_address",
    "score",
    "rings",
    "ring_shops",
    "shops",
    "shipments",
    "roles",
    "merchant_ids",
    "province",
    "city",
    "lat",
    "lon",
    "reasons",
]
#: The run overview's leads table (index.html): the sites as leads.csv has them, without
#: the shops' ids and the reasons.
OVERVIEW_LEAD_COLUMNS = [c for c in LEAD_COLUMNS if c not in ("merchant_ids", "reasons")]

# -- the tables of a packet's page -------------------------------------------------------------

#: The members table of a packet's page.
PACKET_MEMBER_COLUMNS = [
    "merchant_id",
    "name",
    "role",
    "risk_score",
    "tied_by",
    "warning",
    "reasons",
    "province",
    "city",
    "platform",
    "opened_on",
    "monthly_orders",
    "rating",
    "shipments",
]
#: The shared-identifiers table of a packet's page.
PACKET_EVIDENCE_COLUMNS = [
    "kind",
    "key",
    "raw_values",
    "roles",
    "shops_in_ring",
    "shipments",
    "rarity",
    "shops_total",
    "first_seen",
    "last_seen",
    "shops",
]
#: The offline-sites table of a packet's page.
PACKET_LEAD_COLUMNS = [
    "address",
    "raw_address",
    "score",
    "ring_shops",
    "ring_shipments",
    "shops",
    "shipments",
    "roles",
    "province",
    "city",
    "lat",
    "lon",
    "first_parcel",
    "last_parcel",
    "days_active",
    "reasons",
]
#: Suspicious listings of ring members (:func:`graphring.packets.write.listing_evidence`,
#: ``Ring.listings``, the packet's listings table).
LISTING_EVIDENCE_COLUMNS = [
    "listing_id",
    "merchant_id",
    "shop_name",
    "brand",
    "title",
    "price",
    "reference_price",
    "share_of_retail",
    "image_text",
    "image_price",
    "why",
]
