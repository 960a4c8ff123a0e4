// The first load (see first_merchants.cypher): one PAYS_INTO per row (rows are unique per
// shop and key), between nodes found by id: $m (the shop), $a (the account). Other
// columns as in load_accounts.cypher.
UNWIND range(0, size($m) - 1) AS i
MATCH (m) WHERE elementId(m) = $m[i]
MATCH (a) WHERE elementId(a) = $a[i]
CREATE (m)-[:PAYS_INTO {account: $account[i], provider: $provider[i], holder: $holder[i]}]->(a)
