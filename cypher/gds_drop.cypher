// Drops the projected graph $graph from the GDS catalog (no error when it is not there).
CALL gds.graph.drop($graph, false)
YIELD graphName
RETURN graphName
