// Every identifier as each shop wrote it: merchant_id, kind, key, value.
MATCH (m:Merchant)-[r:HAS_IDENTIFIER]->(x:Identifier)
RETURN m.merchant_id AS merchant_id, x.kind AS kind, x.key AS key, r.value AS value
ORDER BY merchant_id, kind, key
