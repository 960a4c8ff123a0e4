// The first load (see first_merchants.cypher): one HAS_IDENTIFIER per row (rows are unique
// per shop, kind and key), between nodes found by id: $m (the shop), $x (the identifier).
// $value: the identifier as written.
UNWIND range(0, size($m) - 1) AS i
MATCH (m) WHERE elementId(m) = $m[i]
MATCH (x) WHERE elementId(x) = $x[i]
CREATE (m)-[:HAS_IDENTIFIER {value: $value[i]}]->(x)
