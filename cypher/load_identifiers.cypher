// Other shared identifiers (phone, email, device, ip, ...). $rows: [{merchant_id, kind, key, value}]
UNWIND $rows AS row
MATCH (m:Merchant {merchant_id: row.merchant_id})
MERGE (i:Identifier {kind: row.kind, key: row.key})
MERGE (m)-[r:HAS_IDENTIFIER]->(i)
SET r.value = row.value
