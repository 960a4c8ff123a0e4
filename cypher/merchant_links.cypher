// The weighted merchant links, computed in the database the way graphring/linking.py
// computes them from holdings: an identifier held by 2 to $max_holders shops (more: a
// supernode, set aside) links each pair of its holders with min(weight of each shop's
// strongest holding) x rarity, rarity = clamp(max(idf, 1 / log2(1 + holders)), 0.05, 1)
// and idf = log(shops / holders) / log(shops); per pair and kind the sum is capped at 1.5,
// kinds add up, and a pair sharing k kinds weighs (1 + 0.25 (k - 1)) times more. Pairs
// under $min_weight are not linked. Rows come unsorted (the caller sorts them). tie: the
// strongest single identifier's contribution, n_kinds: kinds shared (graphring/detect/partition.py
// reads ring membership from them).
// $weights: {kind or 'address:<role>': weight}; $other_weight: weight of any other kind.
//
// Memory: the holders of each shared node are gathered in a subquery of their own, and
// nodes with fewer than two incoming relationships (most of them: one shop's own address,
// phone or account) are skipped by their degree; only the pairs are aggregated across the
// whole graph. (Gathering every holding in one aggregation first needed more than the
// server's transaction memory at a million shops.)
CALL () {
  MATCH (m:Merchant)
  RETURN count(m) AS shops
}
CALL () {
  MATCH (x:Address) WHERE COUNT { (x)<--() } >= 2
  RETURN x, 'address' AS kind
  UNION ALL
  MATCH (x:Account) WHERE COUNT { (x)<--() } >= 2
  RETURN x, 'account' AS kind
  UNION ALL
  MATCH (x:Identifier) WHERE COUNT { (x)<--() } >= 2
  RETURN x, x.kind AS kind
}
CALL (x) {
  CALL (x) {
    MATCH (m:Merchant)-[r:HAS_ADDRESS]->(x)
    RETURN m, 'address:' + coalesce(r.role, 'other') AS label
    UNION ALL
    MATCH (m:Merchant)-[:SENT]->(:Shipment)-[:FROM]->(x)
    RETURN DISTINCT m, 'address:origin' AS label
    UNION ALL
    MATCH (m:Merchant)-[:SENT]->(:Shipment)-[:SENDER_PHONE]->(x)
    RETURN DISTINCT m, x.kind AS label
    UNION ALL
    MATCH (m:Merchant)-[:PAYS_INTO]->(x)
    RETURN m, 'account' AS label
    UNION ALL
    MATCH (m:Merchant)-[:HAS_IDENTIFIER]->(x)
    RETURN m, x.kind AS label
  }
  WITH m, max(coalesce($weights[label], $other_weight)) AS w
  ORDER BY m.merchant_id
  RETURN collect([m, w]) AS held
}
WITH shops, kind, held, toFloat(size(held)) AS holders
WHERE holders >= 2 AND holders <= $max_holders
WITH kind, held, holders, CASE WHEN shops < 2 THEN 2.0 ELSE toFloat(shops) END AS n
WITH kind, held, log(n / holders) / log(n) AS idf, log(2.0) / log(1.0 + holders) AS floor
WITH kind, held, CASE WHEN idf > floor THEN idf ELSE floor END AS r
WITH kind, held, CASE WHEN r < 0.05 THEN 0.05 WHEN r > 1.0 THEN 1.0 ELSE r END AS rarity
UNWIND range(0, size(held) - 2) AS i
UNWIND range(i + 1, size(held) - 1) AS j
WITH kind, rarity, held[i][0] AS a, held[i][1] AS wa, held[j][0] AS b, held[j][1] AS wb
WITH a, b, kind, CASE WHEN wa < wb THEN wa ELSE wb END * rarity AS contrib
WITH a, b, kind, sum(contrib) AS c, max(contrib) AS tie
WITH a, b, sum(CASE WHEN c > 1.5 THEN 1.5 ELSE c END) AS c, count(kind) AS kinds, max(tie) AS tie
WITH a, b, c * (1.0 + 0.25 * (kinds - 1)) AS weight, tie, kinds
WHERE weight >= $min_weight
RETURN a.merchant_id AS a, b.merchant_id AS b, weight, tie, kinds AS n_kinds
