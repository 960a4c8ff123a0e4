// Louvain communities of the projected link graph $graph, on the link weights. GDS Louvain
// takes no random seed; at concurrency 1 it is deterministic for a given projection order
// (the caller projects the links sorted). $max_levels, $max_iterations, $tolerance. Node ids
// are returned as GDS has them, as in gds_wcc.cypher.
CALL gds.louvain.stream($graph, {
  relationshipWeightProperty: 'weight',
  concurrency: 1,
  maxLevels: $max_levels,
  maxIterations: $max_iterations,
  tolerance: $tolerance
})
YIELD nodeId, communityId
RETURN nodeId, communityId AS community
ORDER BY nodeId
