// A run's rings written back: (:Merchant)-[:MEMBER_OF]->(:Ring {ring_id, score, run_id}).
// $run_id; $rings: [{ring_id, score, size, reasons}]; $members: [{ring_id, merchant_id, core}]
// Afterwards the database holds exactly this run's memberships and scores: every MEMBER_OF
// of an earlier run goes (a shop that left a ring is no longer in it), and a ring of an
// earlier run that this run did not find keeps its node (lineage points at it) and its
// run_id (the last run that found it) but loses score, size and reasons, and is marked
// dropped_in: the first run that did not find it. A ring found again loses that mark.
MERGE (run:Run {run_id: $run_id})
WITH run
CALL (run) {
  MATCH ()-[old:MEMBER_OF]->(:Ring)
  WHERE old.run_id IS NULL OR old.run_id <> $run_id
  DELETE old
}
CALL (run) {
  WITH [ring IN $rings | ring.ring_id] AS found
  MATCH (gone:Ring)
  WHERE NOT gone.ring_id IN found AND gone.dropped_in IS NULL
  SET gone.dropped_in = $run_id
  REMOVE gone.score, gone.size, gone.reasons
}
WITH run
UNWIND $rings AS ring
MERGE (r:Ring {ring_id: ring.ring_id})
SET r.score = ring.score, r.size = ring.size, r.reasons = ring.reasons, r.run_id = $run_id
REMOVE r.dropped_in
MERGE (r)-[:FOUND_IN]->(run)
WITH count(*) AS _
UNWIND $members AS row
MATCH (m:Merchant {merchant_id: row.merchant_id}), (r:Ring {ring_id: row.ring_id})
MERGE (m)-[rel:MEMBER_OF]->(r)
SET rel.core = row.core, rel.run_id = $run_id
