-- Search: trigram indexes for fuzzy matching of ids, names and addresses (pg_trgm is
-- created by 0001_schema).
SET LOCAL lock_timeout = '10s';

CREATE INDEX idx_properties_search_id ON properties USING gin (property_id gin_trgm_ops);
CREATE INDEX idx_properties_search_name ON properties USING gin (name gin_trgm_ops);
CREATE INDEX idx_properties_search_address ON properties USING gin (street_address gin_trgm_ops);
CREATE INDEX idx_turns_search_id ON turns USING gin (turn_id gin_trgm_ops);
CREATE INDEX idx_turns_search_wo ON turns USING gin (wo_number gin_trgm_ops);
CREATE INDEX idx_vendors_search_company ON vendors USING gin (company_name gin_trgm_ops);
CREATE INDEX idx_vendors_search_contact ON vendors USING gin (contact_name gin_trgm_ops);
