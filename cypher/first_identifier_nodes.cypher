// The first load (see first_merchants.cypher): one (:Identifier {kind, key}) per distinct
// identifier of the identifiers file and the parcels' sender phones, CREATEd before any
// relationship to it. Returns each row's node id. Columns: $kind, $key.
UNWIND range(0, size($key) - 1) AS i
CREATE (x:Identifier {kind: $kind[i], key: $key[i]})
RETURN collect(i) AS i, collect(elementId(x)) AS id
