MATCH (m:Merchant)-[:LISTS]->(l:Listing)
RETURN l.listing_id AS listing_id, m.merchant_id AS merchant_id, l.brand AS brand,
       l.title AS title, l.price AS price, l.reference_price AS reference_price,
       l.image_text AS image_text
ORDER BY listing_id
