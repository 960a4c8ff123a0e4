// Payment accounts: one (:Account {key}) per normalized account number, one PAYS_INTO per
// shop, marked seen = $load_id. Columns: $merchant_id, $key, $account (as written),
// $provider, $holder.
UNWIND range(0, size($merchant_id) - 1) AS i
MATCH (m:Merchant {merchant_id: $merchant_id[i]})
MERGE (a:Account {key: $key[i]})
MERGE (m)-[r:PAYS_INTO]->(a)
SET r.account = $account[i], r.provider = $provider[i], r.holder = $holder[i],
    r.seen = $load_id
