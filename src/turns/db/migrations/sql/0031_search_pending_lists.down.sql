SET LOCAL lock_timeout = '10s';

ALTER INDEX idx_properties_search_id RESET (fastupdate);
ALTER INDEX idx_properties_search_name RESET (fastupdate);
ALTER INDEX idx_properties_search_address RESET (fastupdate);
ALTER INDEX idx_turns_search_id RESET (fastupdate);
ALTER INDEX idx_turns_search_wo RESET (fastupdate);
ALTER INDEX idx_vendors_search_company RESET (fastupdate);
ALTER INDEX idx_vendors_search_contact RESET (fastupdate);
