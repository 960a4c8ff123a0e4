// Addresses a shop gave, one relationship per role. $rows: [{merchant_id, key, role,
// address, province, city, lat, lon}]
UNWIND $rows AS row
MATCH (m:Merchant {merchant_id: row.merchant_id})
MERGE (a:Address {key: row.key})
MERGE (m)-[r:HAS_ADDRESS {role: row.role}]->(a)
SET r.address = row.address, r.province = row.province, r.city = row.city,
    r.lat = row.lat, r.lon = row.lon
