// Node counts by label, for load reports and idempotence checks.
MATCH (n)
WITH labels(n)[0] AS label, count(*) AS n
RETURN label, n ORDER BY label
