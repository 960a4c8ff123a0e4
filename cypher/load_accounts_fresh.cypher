// load_accounts.cypher for a database holding no PAYS_INTO relationship yet: each row's
// relationship is new (rows are unique per shop and key), so it is CREATEd, without a
// seen mark. Columns as in load_accounts.cypher.
UNWIND range(0, size($merchant_id) - 1) AS i
MATCH (m:Merchant {merchant_id: $merchant_id[i]})
MERGE (a:Account {key: $key[i]})
CREATE (m)-[:PAYS_INTO {account: $account[i], provider: $provider[i], holder: $holder[i]}]->(a)
