// load_shipments.cypher for a database holding no Shipment and no SENT, FROM or
// SENDER_PHONE relationship yet: parcels (unique per shipment_id) and their relationships
// are CREATEd, without seen marks; addresses and phones are shared, so still MERGEd.
// Columns as in load_shipments.cypher. A file with extra columns is loaded with the
// _replace variant.
UNWIND range(0, size($shipment_id) - 1) AS i
MATCH (m:Merchant {merchant_id: $merchant_id[i]})
CREATE (m)-[:SENT]->(s:Shipment {shipment_id: $shipment_id[i], origin: $origin[i],
                                 destination: $destination[i], carrier: $carrier[i],
                                 shipped_at: localdatetime($shipped_at[i])})
MERGE (a:Address {key: $origin_key[i]})
CREATE (s)-[:FROM]->(a)
WITH s, i
WHERE $phone_key[i] IS NOT NULL
MERGE (p:Identifier {kind: 'phone', key: $phone_key[i]})
CREATE (s)-[:SENDER_PHONE]->(p)
