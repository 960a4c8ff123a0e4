MATCH (m:Merchant)-[:SENT]->(s:Shipment)-[:FROM]->(a:Address)
RETURN s.shipment_id AS shipment_id, m.merchant_id AS merchant_id, a.key AS origin_key,
       toString(s.shipped_at) AS shipped_at, s.carrier AS carrier, s.origin AS origin
ORDER BY shipment_id
