// Which shop holds which identifier, in which role; shipments counts parcels sent from it.
// One record of columns (a list per field): the driver reads that several times faster
// than one record per row.
CALL () {
  MATCH (m:Merchant)-[r:HAS_ADDRESS]->(a:Address)
  RETURN m.merchant_id AS merchant_id, 'address' AS kind, a.key AS key, r.role AS role,
         0 AS shipments
  UNION ALL
  MATCH (m:Merchant)-[:SENT]->(s:Shipment)-[:FROM]->(a:Address)
  RETURN m.merchant_id AS merchant_id, 'address' AS kind, a.key AS key, 'origin' AS role,
         count(s) AS shipments
  UNION ALL
  MATCH (m:Merchant)-[:SENT]->(:Shipment)-[:SENDER_PHONE]->(p:Identifier)
  RETURN DISTINCT m.merchant_id AS merchant_id, 'phone' AS kind, p.key AS key, '' AS role,
         0 AS shipments
  UNION ALL
  MATCH (m:Merchant)-[:PAYS_INTO]->(a:Account)
  RETURN m.merchant_id AS merchant_id, 'account' AS kind, a.key AS key, '' AS role,
         0 AS shipments
  UNION ALL
  MATCH (m:Merchant)-[:HAS_IDENTIFIER]->(i:Identifier)
  RETURN m.merchant_id AS merchant_id, i.kind AS kind, i.key AS key, '' AS role,
         0 AS shipments
}
RETURN collect(merchant_id) AS merchant_id, collect(kind) AS kind, collect(key) AS key,
       collect(role) AS role, collect(shipments) AS shipments
