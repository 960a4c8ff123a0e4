// Shops, one node each, keyed by merchant_id. A batch comes as columns, lists of one
// length: $merchant_id, $name, $platform, $province, $city, $opened_on ('YYYY-MM-DD' or
// null), $monthly_orders, $rating. Every property is set (null removes it), and
// seen = $load_id marks the shop as present in this load (see prune_nodes.cypher).
// load_merchants_replace.cypher is the variant for files with extra columns.
UNWIND range(0, size($merchant_id) - 1) AS i
MERGE (m:Merchant {merchant_id: $merchant_id[i]})
SET m.name = $name[i], m.platform = $platform[i], m.province = $province[i],
    m.city = $city[i], m.opened_on = date($opened_on[i]),
    m.monthly_orders = $monthly_orders[i], m.rating = $rating[i], m.seen = $load_id
