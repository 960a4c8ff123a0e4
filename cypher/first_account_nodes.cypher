// The first load (see first_merchants.cypher): one (:Account {key}) per distinct account
// key, CREATEd before any relationship to it. Returns each row's node id. Columns: $key.
UNWIND range(0, size($key) - 1) AS i
CREATE (a:Account {key: $key[i]})
RETURN collect(i) AS i, collect(elementId(a)) AS id
