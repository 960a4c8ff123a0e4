// load_merchants.cypher for a file with extra columns (or a database holding properties of
// columns since dropped): SET m = ... replaces every property, so nothing stale stays.
// $extra: one map per row of the extra columns. Slower (the planner adds an Eager step).
UNWIND range(0, size($merchant_id) - 1) AS i
MERGE (m:Merchant {merchant_id: $merchant_id[i]})
SET m = coalesce($extra[i], {})
SET m.merchant_id = $merchant_id[i], m.name = $name[i], m.platform = $platform[i],
    m.province = $province[i], m.city = $city[i], m.opened_on = date($opened_on[i]),
    m.monthly_orders = $monthly_orders[i], m.rating = $rating[i], m.seen = $load_id
