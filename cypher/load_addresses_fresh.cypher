// load_addresses.cypher for a database holding no HAS_ADDRESS relationship yet: each row's
// relationship is new (rows are unique per shop, key, role and written form), so it is
// CREATEd, without a seen mark. Address nodes are shared, so still MERGEd. Columns as in
// load_addresses.cypher.
UNWIND range(0, size($merchant_id) - 1) AS i
MATCH (m:Merchant {merchant_id: $merchant_id[i]})
MERGE (a:Address {key: $key[i]})
CREATE (m)-[:HAS_ADDRESS {role: $role[i], address: $address[i], province: $province[i],
                          city: $city[i], lat: $lat[i], lon: $lon[i]}]->(a)
