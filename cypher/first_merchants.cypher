// The first load into a database holding no data at all (the store checks): every shop is
// new, so CREATEd without a lookup and without a seen mark, with the file's extra columns
// when it has some ($extra: one map per row, or null). Returns each row's node id; the
// first_* queries after it find shops by that id instead of by an index lookup.
// Columns as in load_merchants.cypher.
UNWIND range(0, size($merchant_id) - 1) AS i
CREATE (m:Merchant {merchant_id: $merchant_id[i], name: $name[i], platform: $platform[i],
                    province: $province[i], city: $city[i], opened_on: date($opened_on[i]),
                    monthly_orders: $monthly_orders[i], rating: $rating[i]})
SET m += coalesce($extra[i], {})
RETURN collect(i) AS i, collect(elementId(m)) AS id
