-- Search: the trigram indexes without a pending list.
--
-- A GIN index keeps new entries in a pending list (up to gin_pending_list_limit, 4 MB) until
-- vacuum or a full list merges them, and every scan reads the whole list. Every non-HOT update of
-- a turn adds its turn_id and wo_number entries there again, so at 100k properties an admin's
-- search of turns read 430 pending pages (3.5 MB) for every query: 12 to 34 ms for none found,
-- against 1.2 to 1.6 ms with the list empty. With fastupdate off an insert or update writes its
-- entries into the index itself, as PostgreSQL's documentation advises where a steady response
-- time matters more than the speed of updates (one-row turn updates, sent directly: about 8%
-- fewer a second on the benchmark's machine). The lists already there are merged now.
SET LOCAL lock_timeout = '10s';

DO $$
DECLARE
  searched text;
BEGIN
  FOREACH searched IN ARRAY ARRAY[
    'idx_properties_search_id', 'idx_properties_search_name', 'idx_properties_search_address',
    'idx_turns_search_id', 'idx_turns_search_wo', 'idx_vendors_search_company', 'idx_vendors_search_contact'
  ] LOOP
    EXECUTE format('ALTER INDEX %I SET (fastupdate = off)', searched);
    PERFORM gin_clean_pending_list(searched::regclass);
  END LOOP;
END
$$;
