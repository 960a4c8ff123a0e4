// The first load (see first_merchants.cypher): one HAS_ADDRESS per row (rows are unique per
// shop, key, role and written form), between nodes found by the ids their creation
// returned: $m (the shop), $a (the address). Other columns as in load_addresses.cypher.
UNWIND range(0, size($m) - 1) AS i
MATCH (m) WHERE elementId(m) = $m[i]
MATCH (a) WHERE elementId(a) = $a[i]
CREATE (m)-[:HAS_ADDRESS {role: $role[i], address: $address[i], province: $province[i],
                          city: $city[i], lat: $lat[i], lon: $lon[i]}]->(a)
