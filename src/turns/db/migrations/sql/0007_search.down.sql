SET LOCAL lock_timeout = '10s';

DROP INDEX idx_properties_search_id, idx_properties_search_name, idx_properties_search_address,
  idx_turns_search_id, idx_turns_search_wo, idx_vendors_search_company, idx_vendors_search_contact;
