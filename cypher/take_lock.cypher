// Takes the write lock of the guard node: a run keeps this transaction open, uncommitted,
// for as long as it works, and rolls it back at the end. A second run's SET waits for the
// lock; it gives up when its transaction's timeout passes. A run killed midway loses its
// connection, and the server rolls its transaction back: the lock is free again.
// $id: the guard node's id; $holder: who asks (never committed).
MATCH (l:GraphringLock {id: $id})
SET l.holder = $holder
RETURN l.id AS id
