// One ring in Neo4j Browser: its shops, the addresses, accounts and identifiers two or
// more of them share, and where their parcels leave from.
// Parameters: $members (list of merchant_id).
MATCH (m:Merchant) WHERE m.merchant_id IN $members
OPTIONAL MATCH shared = (m)-[:HAS_ADDRESS|PAYS_INTO|HAS_IDENTIFIER]->(x)
                        <-[:HAS_ADDRESS|PAYS_INTO|HAS_IDENTIFIER]-(o:Merchant)
  WHERE o.merchant_id IN $members AND o <> m
OPTIONAL MATCH shipped = (m)-[:SENT]->(:Shipment)-[:FROM]->(:Address)
RETURN m, collect(DISTINCT shared) AS shared, collect(DISTINCT shipped)[0..50] AS shipped
