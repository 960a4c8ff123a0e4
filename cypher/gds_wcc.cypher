// Connected components of the projected link graph $graph (concurrency 1: reproducible ids).
CALL gds.wcc.stream($graph, {concurrency: 1})
YIELD nodeId, componentId
RETURN gds.util.asNode(nodeId).merchant_id AS merchant_id, componentId AS component
ORDER BY merchant_id
