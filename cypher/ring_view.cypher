// One ring in Neo4j Browser: its shops, the addresses, accounts and identifiers two or
// more of them share, and where their parcels leave from. Rows come by shop id, each
// shop's shared paths by kind (addresses, identifiers, accounts), key and other shop, so
// the same graph always reads the same way.
// Parameters: $members (list of merchant_id).
MATCH (m:Merchant) WHERE m.merchant_id IN $members
OPTIONAL MATCH shared = (m)-[held:HAS_ADDRESS|PAYS_INTO|HAS_IDENTIFIER]->(x)
                        <-[:HAS_ADDRESS|PAYS_INTO|HAS_IDENTIFIER]-(o:Merchant)
  WHERE o.merchant_id IN $members AND o <> m
WITH m, shared ORDER BY type(held), x.kind, x.key, o.merchant_id
WITH m, collect(DISTINCT shared) AS shared
OPTIONAL MATCH shipped = (m)-[:SENT]->(s:Shipment)-[:FROM]->(:Address)
WITH m, shared, shipped ORDER BY s.shipment_id
RETURN m, shared, collect(DISTINCT shipped)[0..50] AS shipped
ORDER BY m.merchant_id
