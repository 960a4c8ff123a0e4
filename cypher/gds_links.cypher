// The links of the projected graph $graph with their weights, each pair once (a < b).
CALL gds.graph.relationshipProperty.stream($graph, 'weight')
YIELD sourceNodeId, targetNodeId, propertyValue
WITH gds.util.asNode(sourceNodeId).merchant_id AS a,
     gds.util.asNode(targetNodeId).merchant_id AS b, propertyValue AS weight
WHERE a < b
RETURN a, b, weight
ORDER BY a, b
