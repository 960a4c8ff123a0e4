// Every listing with the shop that lists it: one record holding the rows as lists
// [listing_id, merchant_id, brand, title, price, reference_price, image_text].
MATCH (m:Merchant)-[:LISTS]->(l:Listing)
WITH l, m ORDER BY l.listing_id
RETURN collect([l.listing_id, m.merchant_id, l.brand, l.title, l.price, l.reference_price,
                l.image_text]) AS rows
