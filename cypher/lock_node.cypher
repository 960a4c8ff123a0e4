// The node that guards the database against two graphring runs at once (detect, load, run):
// made once, kept (its uniqueness constraint makes two MERGEs at once make one). $id: its id.
MERGE (l:GraphringLock {id: $id})
RETURN l.id AS id
