// The first load (see first_merchants.cypher): each listing (unique per listing_id)
// CREATEd with LISTS from its shop, found by id ($m). $extra: one map per row of the
// file's extra columns, or null. Other columns as in load_listings.cypher.
UNWIND range(0, size($listing_id) - 1) AS i
MATCH (m) WHERE elementId(m) = $m[i]
CREATE (m)-[:LISTS]->(l:Listing {listing_id: $listing_id[i], brand: $brand[i],
                                 title: $title[i], price: $price[i],
                                 reference_price: $reference_price[i],
                                 image_text: $image_text[i]})
SET l += coalesce($extra[i], {})
