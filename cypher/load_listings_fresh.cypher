// load_listings.cypher for a database holding no Listing and no LISTS relationship yet:
// listings (unique per listing_id) and their LISTS are CREATEd, without seen marks.
// Columns as in load_listings.cypher. A file with extra columns is loaded with the
// _replace variant.
UNWIND range(0, size($listing_id) - 1) AS i
MATCH (m:Merchant {merchant_id: $merchant_id[i]})
CREATE (m)-[:LISTS]->(l:Listing {listing_id: $listing_id[i], brand: $brand[i],
                                 title: $title[i], price: $price[i],
                                 reference_price: $reference_price[i],
                                 image_text: $image_text[i]})
