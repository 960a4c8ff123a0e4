// load_listings.cypher for a file with extra columns: SET l = ... replaces every property.
// $extra: one map per row of the extra columns.
UNWIND range(0, size($listing_id) - 1) AS i
MATCH (m:Merchant {merchant_id: $merchant_id[i]})
MERGE (l:Listing {listing_id: $listing_id[i]})
SET l = coalesce($extra[i], {})
SET l.listing_id = $listing_id[i], l.brand = $brand[i], l.title = $title[i],
    l.price = $price[i], l.reference_price = $reference_price[i],
    l.image_text = $image_text[i], l.seen = $load_id
MERGE (m)-[r:LISTS]->(l)
SET r.seen = $load_id
