// The last mirror step: an address, account or identifier exists while some shop or parcel
// of the data holds it. Once stale shops, parcels and holdings are gone, the ones nobody
// holds any more go too. Needs an implicit transaction; $batch_size: rows per commit.
MATCH (n:Address|Account|Identifier)
WHERE NOT (n)--()
CALL (n) {
  DELETE n
} IN TRANSACTIONS OF $batch_size ROWS
RETURN count(*) AS deleted
