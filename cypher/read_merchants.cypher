// Every shop with its properties.
MATCH (m:Merchant)
RETURN m {.*, opened_on: toString(m.opened_on)} AS m
ORDER BY m.merchant_id
