// Projects $graph from given integer node ids: one undirected relationship per
// ($a[i], $b[i]) with weight $weight[i]. GDS keeps the ids, so results map straight back.
UNWIND range(0, size($a) - 1) AS i
WITH gds.graph.project($graph, $a[i], $b[i], {relationshipProperties: {weight: $weight[i]}},
                       {undirectedRelationshipTypes: ['*']}) AS g
RETURN g.nodeCount AS nodes, g.relationshipCount AS relationships
