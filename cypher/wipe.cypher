// Delete every node (and relationship) of the database, committing every $batch_size
// nodes. Needs an implicit (auto-commit) transaction.
MATCH (n)
CALL (n) {
  DETACH DELETE n
} IN TRANSACTIONS OF $batch_size ROWS
RETURN count(*) AS deleted
