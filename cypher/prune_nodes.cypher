// The mirror step, once every batch of a load is in: shops, parcels and listings the load
// did not write (rows gone from the data folder: a shop closed, a listing removed) go, with
// their relationships. Ring and Run nodes are kept. Needs an implicit (auto-commit)
// transaction. $load_id: the id the load tagged what it wrote with; $batch_size: rows per
// commit.
MATCH (n)
WHERE (n:Merchant OR n:Shipment OR n:Listing) AND (n.seen IS NULL OR n.seen <> $load_id)
CALL (n) {
  DETACH DELETE n
} IN TRANSACTIONS OF $batch_size ROWS
RETURN count(*) AS deleted
