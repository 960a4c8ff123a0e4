// Parcels: who sent each (SENT), the address it left from (FROM), the sender phone when
// given (SENDER_PHONE); the node and those relationships are marked seen = $load_id.
// Columns: $shipment_id, $merchant_id, $origin (as written), $origin_key, $destination,
// $carrier, $shipped_at (ISO local date-time or null), $phone_key (or null).
// load_shipments_replace.cypher: the variant with extra columns.
UNWIND range(0, size($shipment_id) - 1) AS i
MATCH (m:Merchant {merchant_id: $merchant_id[i]})
MERGE (s:Shipment {shipment_id: $shipment_id[i]})
SET s.origin = $origin[i], s.destination = $destination[i], s.carrier = $carrier[i],
    s.shipped_at = localdatetime($shipped_at[i]), s.seen = $load_id
MERGE (m)-[sent:SENT]->(s)
SET sent.seen = $load_id
MERGE (a:Address {key: $origin_key[i]})
MERGE (s)-[from:FROM]->(a)
SET from.seen = $load_id
WITH s, i
WHERE $phone_key[i] IS NOT NULL
MERGE (p:Identifier {kind: 'phone', key: $phone_key[i]})
MERGE (s)-[sp:SENDER_PHONE]->(p)
SET sp.seen = $load_id
