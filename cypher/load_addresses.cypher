// Addresses a shop gave: one (:Address {key}) per normalized address, one HAS_ADDRESS per
// shop, role and written form, marked seen = $load_id. Columns: $merchant_id, $key, $role,
// $address (as written), $province, $city, $lat, $lon.
UNWIND range(0, size($merchant_id) - 1) AS i
MATCH (m:Merchant {merchant_id: $merchant_id[i]})
MERGE (a:Address {key: $key[i]})
MERGE (m)-[r:HAS_ADDRESS {role: $role[i], address: $address[i]}]->(a)
SET r.province = $province[i], r.city = $city[i], r.lat = $lat[i], r.lon = $lon[i],
    r.seen = $load_id
