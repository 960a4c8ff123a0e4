// Other shared identifiers (phone, email, device, ip, ...): one (:Identifier {kind, key})
// each, one HAS_IDENTIFIER per shop, marked seen = $load_id. Columns: $merchant_id,
// $kind, $key, $value (as written).
UNWIND range(0, size($merchant_id) - 1) AS i
MATCH (m:Merchant {merchant_id: $merchant_id[i]})
MERGE (x:Identifier {kind: $kind[i], key: $key[i]})
MERGE (m)-[r:HAS_IDENTIFIER]->(x)
SET r.value = $value[i], r.seen = $load_id
