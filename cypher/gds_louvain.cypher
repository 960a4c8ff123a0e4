// Louvain communities of the projected link graph $graph, on the link weights. GDS Louvain
// takes no random seed; at concurrency 1 it is deterministic for a given projection order
// (gds_project_links.cypher sorts its rows). $max_levels, $max_iterations, $tolerance.
CALL gds.louvain.stream($graph, {
  relationshipWeightProperty: 'weight',
  concurrency: 1,
  maxLevels: $max_levels,
  maxIterations: $max_iterations,
  tolerance: $tolerance,
  includeIntermediateCommunities: true
})
YIELD nodeId, communityId, intermediateCommunityIds
RETURN gds.util.asNode(nodeId).merchant_id AS merchant_id, communityId AS community,
       intermediateCommunityIds AS levels
ORDER BY merchant_id
