SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
SELECT similarity('', '');  -- pg_trgm loaded, so that its settings are known (not placeholders only a superuser may set)

ALTER FUNCTION search_candidates(text, text, integer) RESET pg_trgm.word_similarity_threshold;

REVOKE turns_definer FROM CURRENT_USER;
