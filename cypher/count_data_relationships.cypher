// Data relationships by type, one column each, from the count store (no scan): a load
// checks which are absent before it starts (see load_*_fresh.cypher).
RETURN COUNT { ()-[:HAS_ADDRESS]->() } AS HAS_ADDRESS,
       COUNT { ()-[:PAYS_INTO]->() } AS PAYS_INTO,
       COUNT { ()-[:HAS_IDENTIFIER]->() } AS HAS_IDENTIFIER,
       COUNT { ()-[:SENT]->() } AS SENT, COUNT { ()-[:FROM]->() } AS FROM,
       COUNT { ()-[:SENDER_PHONE]->() } AS SENDER_PHONE, COUNT { ()-[:LISTS]->() } AS LISTS
