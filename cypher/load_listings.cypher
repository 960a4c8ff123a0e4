// Listings and the shop that lists each. Columns: $listing_id, $merchant_id, $brand,
// $title, $price, $reference_price, $image_text. The node and the LISTS relationship are
// marked seen = $load_id. load_listings_replace.cypher: the variant with extra columns.
UNWIND range(0, size($listing_id) - 1) AS i
MATCH (m:Merchant {merchant_id: $merchant_id[i]})
MERGE (l:Listing {listing_id: $listing_id[i]})
SET l.brand = $brand[i], l.title = $title[i], l.price = $price[i],
    l.reference_price = $reference_price[i], l.image_text = $image_text[i], l.seen = $load_id
MERGE (m)-[r:LISTS]->(l)
SET r.seen = $load_id
