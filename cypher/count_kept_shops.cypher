// Before a load sends anything: of the data folder's shop ids ($ids), how many the database
// holds already, and how many shops it holds in all. The difference is what the load's
// mirror step would delete; a load that would delete most of the shops is refused.
UNWIND $ids AS id
OPTIONAL MATCH (m:Merchant {merchant_id: id})
WITH count(m) AS kept
RETURN kept, COUNT { (:Merchant) } AS total
