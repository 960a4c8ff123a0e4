// A run's rings written back: (:Merchant)-[:MEMBER_OF]->(:Ring {ring_id, score, run_id}).
// $run_id; $rings: [{ring_id, score, size, reasons}]; $members: [{ring_id, merchant_id, core}]
MERGE (run:Run {run_id: $run_id})
WITH run
UNWIND $rings AS ring
MERGE (r:Ring {ring_id: ring.ring_id})
SET r.score = ring.score, r.size = ring.size, r.reasons = ring.reasons, r.run_id = $run_id
MERGE (r)-[:FOUND_IN]->(run)
WITH count(*) AS _
UNWIND $members AS row
MATCH (m:Merchant {merchant_id: row.merchant_id}), (r:Ring {ring_id: row.ring_id})
MERGE (m)-[rel:MEMBER_OF]->(r)
SET rel.core = row.core, rel.run_id = $run_id
