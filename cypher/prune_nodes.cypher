// The mirror step, once every batch of a load is in: shops, parcels and listings the load
// did not write (rows gone from the data folder: a shop closed, a listing removed) go, with
// their relationships. Ring and Run nodes are kept. Needs an implicit (auto-commit)
// transaction. $load_id: the id the load tagged what it wrote with; $labels: which of
// Merchant, Shipment, Listing to prune (a label the database held none of when the load
// began is left out: everything of it was written by this load, untagged);
// $batch_size: rows per commit.
MATCH (n:Merchant|Shipment|Listing)
WHERE any(label IN labels(n) WHERE label IN $labels)
  AND (n.seen IS NULL OR n.seen <> $load_id)
CALL (n) {
  DETACH DELETE n
} IN TRANSACTIONS OF $batch_size ROWS
RETURN count(*) AS deleted
