// The merchant link projection: pairs of shops and how many identifiers they share, for
// identifiers held by 2 to $max_holders shops (larger ones are supernodes).
CALL () {
  MATCH (m:Merchant)-[:HAS_ADDRESS|PAYS_INTO|HAS_IDENTIFIER]->(x)
  RETURN m, x
  UNION
  MATCH (m:Merchant)-[:SENT]->(:Shipment)-[:FROM|SENDER_PHONE]->(x)
  RETURN m, x
}
WITH x, collect(DISTINCT m.merchant_id) AS holders
WHERE size(holders) >= 2 AND size(holders) <= $max_holders
UNWIND holders AS a
UNWIND holders AS b
WITH x, a, b WHERE a < b
RETURN a, b, count(x) AS shared
ORDER BY a, b
