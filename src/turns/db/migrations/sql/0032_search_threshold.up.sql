-- Search: the similarity threshold is search_candidates' own setting.
--
-- A search set pg_trgm.word_similarity_threshold for its transaction with a statement of its
-- own before the search itself: one more round trip for every search. The function now sets it
-- while it runs, as it sets its search_path. 0.4, not pg_trgm's default 0.6, which misses
-- one-letter typos in short words ("Mapel" for "Maple" is 0.5).
SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
SELECT similarity('', '');  -- pg_trgm loaded, so that its settings are known (not placeholders only a superuser may set)

ALTER FUNCTION search_candidates(text, text, integer) SET pg_trgm.word_similarity_threshold = '0.4';

REVOKE turns_definer FROM CURRENT_USER;
