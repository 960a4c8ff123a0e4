// Listings. $rows: [{listing_id, merchant_id, props: {brand, title, price, ...}}]
UNWIND $rows AS row
MATCH (m:Merchant {merchant_id: row.merchant_id})
MERGE (l:Listing {listing_id: row.listing_id})
SET l += row.props
MERGE (m)-[:LISTS]->(l)
