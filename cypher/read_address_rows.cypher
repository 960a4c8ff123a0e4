// Every way an address was written, with the place it was given for: one record holding
// the rows as lists [key, address, province, city, lat, lon] (the driver reads one big
// list several times faster than as many records).
CALL () {
  MATCH (:Merchant)-[r:HAS_ADDRESS]->(a:Address)
  RETURN a.key AS key, r.address AS address, r.province AS province, r.city AS city,
         r.lat AS lat, r.lon AS lon
  UNION ALL
  MATCH (s:Shipment)-[:FROM]->(a:Address)
  RETURN a.key AS key, s.origin AS address, '' AS province, '' AS city, null AS lat,
         null AS lon
}
RETURN collect([key, address, province, city, lat, lon]) AS rows
