// Payment accounts. $rows: [{merchant_id, key, account, provider, holder}]
UNWIND $rows AS row
MATCH (m:Merchant {merchant_id: row.merchant_id})
MERGE (a:Account {key: row.key})
MERGE (m)-[r:PAYS_INTO]->(a)
SET r.account = row.account, r.provider = row.provider, r.holder = row.holder
