// Whether the Graph Data Science library is installed (1) or not (0), without failing.
SHOW FUNCTIONS YIELD name
WHERE name = 'gds.version'
RETURN count(*) AS n
