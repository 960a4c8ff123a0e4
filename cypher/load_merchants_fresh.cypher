// load_merchants.cypher for a database holding no Merchant yet (the store checks the
// count first): CREATE instead of MERGE, no lookup, and no seen mark (the mirror step of
// this load prunes no Merchant: every one there was written by it). Columns as in
// load_merchants.cypher. A file with extra columns is loaded with the _replace variant.
UNWIND range(0, size($merchant_id) - 1) AS i
CREATE (m:Merchant {merchant_id: $merchant_id[i], name: $name[i], platform: $platform[i],
                    province: $province[i], city: $city[i], opened_on: date($opened_on[i]),
                    monthly_orders: $monthly_orders[i], rating: $rating[i]})
