// The first load (see first_merchants.cypher): each parcel (unique per shipment_id)
// CREATEd with SENT from its shop, FROM to its origin and SENDER_PHONE to its phone when
// given, the nodes found by id: $m (the shop), $a (the origin), $p (the phone, or null).
// $extra: one map per row of the file's extra columns, or null. Other columns as in
// load_shipments.cypher.
UNWIND range(0, size($shipment_id) - 1) AS i
MATCH (m) WHERE elementId(m) = $m[i]
MATCH (a) WHERE elementId(a) = $a[i]
CREATE (m)-[:SENT]->(s:Shipment {shipment_id: $shipment_id[i], origin: $origin[i],
                                 destination: $destination[i], carrier: $carrier[i],
                                 shipped_at: localdatetime($shipped_at[i])})-[:FROM]->(a)
SET s += coalesce($extra[i], {})
WITH s, i
WHERE $p[i] IS NOT NULL
MATCH (p) WHERE elementId(p) = $p[i]
CREATE (s)-[:SENDER_PHONE]->(p)
