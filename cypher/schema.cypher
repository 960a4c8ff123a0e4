// Constraints and indexes graphring relies on. Idempotent.
CREATE CONSTRAINT merchant_id IF NOT EXISTS FOR (m:Merchant) REQUIRE m.merchant_id IS UNIQUE;
CREATE CONSTRAINT address_key IF NOT EXISTS FOR (a:Address) REQUIRE a.key IS UNIQUE;
CREATE CONSTRAINT account_key IF NOT EXISTS FOR (a:Account) REQUIRE a.key IS UNIQUE;
CREATE CONSTRAINT identifier_kind_key IF NOT EXISTS FOR (i:Identifier) REQUIRE (i.kind, i.key) IS UNIQUE;
CREATE CONSTRAINT shipment_id IF NOT EXISTS FOR (s:Shipment) REQUIRE s.shipment_id IS UNIQUE;
CREATE CONSTRAINT listing_id IF NOT EXISTS FOR (l:Listing) REQUIRE l.listing_id IS UNIQUE;
CREATE CONSTRAINT ring_id IF NOT EXISTS FOR (r:Ring) REQUIRE r.ring_id IS UNIQUE;
CREATE CONSTRAINT run_id IF NOT EXISTS FOR (r:Run) REQUIRE r.run_id IS UNIQUE;
CREATE CONSTRAINT graphring_lock IF NOT EXISTS FOR (l:GraphringLock) REQUIRE l.id IS UNIQUE;
