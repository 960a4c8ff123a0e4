// The mirror step for relationships between nodes that are still there (a shop that no
// longer gives an address others still use, a listing moved to another shop). Only the
// relationships a load writes; MEMBER_OF, FOUND_IN and ring lineage are kept. $types:
// which of those types to prune (a type the database held none of when the load began is
// left out, as labels are in prune_nodes.cypher).
// Needs an implicit (auto-commit) transaction. $load_id, $batch_size as in prune_nodes.
MATCH ()-[r:HAS_ADDRESS|PAYS_INTO|HAS_IDENTIFIER|SENT|FROM|SENDER_PHONE|LISTS]->()
WHERE type(r) IN $types AND (r.seen IS NULL OR r.seen <> $load_id)
CALL (r) {
  DELETE r
} IN TRANSACTIONS OF $batch_size ROWS
RETURN count(*) AS deleted
