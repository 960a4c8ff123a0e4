// How this run's rings continue the previous run's.
// $run_id, $previous_run_id (or null); $continued: [{ring_id}] rings that kept their id;
// $merged: [{ring_id, from}] (from: ids merged into ring_id); $split: [{ring_id, from}];
// $dissolved: [ring_id]
MERGE (run:Run {run_id: $run_id})
FOREACH (_ IN CASE WHEN $previous_run_id IS NULL THEN [] ELSE [1] END |
  MERGE (prev:Run {run_id: $previous_run_id})
  MERGE (prev)-[:NEXT]->(run))
WITH run
UNWIND $merged AS m
UNWIND m.from AS source
WITH run, m, source WHERE source <> m.ring_id
MATCH (r:Ring {ring_id: m.ring_id})
MERGE (s:Ring {ring_id: source})
MERGE (s)-[rel:MERGED_INTO]->(r)
SET rel.run_id = $run_id
WITH count(*) AS _
UNWIND $split AS x
MATCH (r:Ring {ring_id: x.ring_id})
MERGE (p:Ring {ring_id: x.from})
MERGE (r)-[rel:SPLIT_FROM]->(p)
SET rel.run_id = $run_id
WITH count(*) AS _
UNWIND $dissolved AS gone
MATCH (r:Ring {ring_id: gone})
SET r.dissolved_in = $run_id
