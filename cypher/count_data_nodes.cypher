// Data nodes by label, one column each, from the count store (no scan): what a load reports.
RETURN COUNT { (:Account) } AS Account, COUNT { (:Address) } AS Address,
       COUNT { (:Identifier) } AS Identifier, COUNT { (:Listing) } AS Listing,
       COUNT { (:Merchant) } AS Merchant, COUNT { (:Shipment) } AS Shipment
