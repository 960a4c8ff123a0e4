// Every parcel: one record holding the rows as lists
// [shipment_id, merchant_id, origin_key, shipped_at (ISO text), carrier, origin].
MATCH (m:Merchant)-[:SENT]->(s:Shipment)-[:FROM]->(a:Address)
WITH s, m, a ORDER BY s.shipment_id
RETURN collect([s.shipment_id, m.merchant_id, a.key, toString(s.shipped_at), s.carrier,
                s.origin]) AS rows
