// Node counts by label, for load reports and idempotence checks (the guard node that
// keeps two runs apart is not data and not counted).
MATCH (n) WHERE NOT n:GraphringLock
WITH labels(n)[0] AS label, count(*) AS n
RETURN label, n ORDER BY label
