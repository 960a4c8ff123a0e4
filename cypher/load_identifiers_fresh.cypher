// load_identifiers.cypher for a database holding no HAS_IDENTIFIER relationship yet: each
// row's relationship is new (rows are unique per shop, kind and key), so it is CREATEd,
// without a seen mark. Columns as in load_identifiers.cypher.
UNWIND range(0, size($merchant_id) - 1) AS i
MATCH (m:Merchant {merchant_id: $merchant_id[i]})
MERGE (x:Identifier {kind: $kind[i], key: $key[i]})
CREATE (m)-[:HAS_IDENTIFIER {value: $value[i]}]->(x)
