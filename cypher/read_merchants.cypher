// Every shop: one record holding the rows as lists [merchant_id, name, platform, province,
// city, opened_on (text), monthly_orders, rating, extra], extra being [key, value] pairs of
// the properties not named in $named (a file's extra columns).
MATCH (m:Merchant)
WITH m ORDER BY m.merchant_id
RETURN collect([m.merchant_id, m.name, m.platform, m.province, m.city, toString(m.opened_on),
                m.monthly_orders, m.rating,
                [k IN keys(m) WHERE NOT k IN $named | [k, m[k]]]]) AS rows
