// Connected components of the projected link graph $graph (concurrency 1: reproducible ids).
// Node ids are returned as GDS has them: the caller maps them back (graphs projected from
// integer ids, gds_project_edges.cypher, keep them).
CALL gds.wcc.stream($graph, {concurrency: 1})
YIELD nodeId, componentId
RETURN nodeId, componentId AS component
ORDER BY nodeId
