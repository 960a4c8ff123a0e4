// Parcels, each from an origin address, with the sender phone when given.
// $rows: [{shipment_id, merchant_id, origin_key, props: {origin, destination, carrier,
// shipped_at: ISO text}, phone_key}]
UNWIND $rows AS row
MATCH (m:Merchant {merchant_id: row.merchant_id})
MERGE (s:Shipment {shipment_id: row.shipment_id})
SET s += row.props
SET s.shipped_at = CASE WHEN row.props.shipped_at IS NULL THEN null
                        ELSE localdatetime(row.props.shipped_at) END
MERGE (m)-[:SENT]->(s)
MERGE (a:Address {key: row.origin_key})
MERGE (s)-[:FROM]->(a)
FOREACH (_ IN CASE WHEN row.phone_key IS NULL THEN [] ELSE [1] END |
  MERGE (p:Identifier {kind: 'phone', key: row.phone_key})
  MERGE (s)-[:SENDER_PHONE]->(p))
