// Which of Merchant, Shipment, Listing hold a property the data folder no longer has (an
// extra column dropped since the last load): the load then uses the _replace variant.
// $known: {Merchant: [property names], Shipment: [...], Listing: [...]}.
CALL () {
  MATCH (n:Merchant) WHERE any(k IN keys(n) WHERE NOT k IN $known.Merchant)
  RETURN 'Merchant' AS label LIMIT 1
  UNION
  MATCH (n:Shipment) WHERE any(k IN keys(n) WHERE NOT k IN $known.Shipment)
  RETURN 'Shipment' AS label LIMIT 1
  UNION
  MATCH (n:Listing) WHERE any(k IN keys(n) WHERE NOT k IN $known.Listing)
  RETURN 'Listing' AS label LIMIT 1
}
RETURN label
