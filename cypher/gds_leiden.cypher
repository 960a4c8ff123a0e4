// Leiden communities of the projected graph $graph, seeded ($seed; randomSeed needs
// concurrency 1 to be deterministic). $gamma is the resolution. Node ids are returned as
// GDS has them: the caller maps them back (graphs projected from integer ids keep them).
CALL gds.leiden.stream($graph, {
  relationshipWeightProperty: 'weight',
  concurrency: 1,
  randomSeed: $seed,
  gamma: $gamma,
  maxLevels: $max_levels
})
YIELD nodeId, communityId
RETURN nodeId, communityId AS community
ORDER BY nodeId
