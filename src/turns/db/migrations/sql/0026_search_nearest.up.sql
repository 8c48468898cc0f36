-- Search: the best matches of each column, nearest first, from a GiST trigram index.
--
-- search_candidates ranked every row whose word similarity passed the threshold (after passes at
-- 0.8 and 0.6 that a misspelt text never fills): an admin's "Mapel" ranked every address on a
-- Maple street, thousands of rows, each similarity computed several times. Now each searched
-- column gives its best p_limit matching rows by similarity then id, which a GiST trigram index
-- (gist_trgm_ops, ordered by <->>) walks nearest first, reading little more than p_limit rows;
-- only those, and the rows that contain the text (or, for a text under three characters, whose
-- id starts with it), are ranked. The answer is the same: a row among the best p_limit by the
-- greatest similarity of its columns (then id) is among the best p_limit of the column that
-- gives it that similarity, since every row ahead of it there is a match ahead of it overall.
-- Turn ids are searched through the GIN indexes as before (few rows share a misspelt id); the
-- GiST indexes are on properties and vendors, whose names and streets repeat.
SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO turns_definer;  -- needed to take ownership; revoked below

CREATE INDEX idx_properties_nearest_id ON properties USING gist (property_id gist_trgm_ops);
CREATE INDEX idx_properties_nearest_name ON properties USING gist (name gist_trgm_ops);
CREATE INDEX idx_properties_nearest_address ON properties USING gist (street_address gist_trgm_ops);
CREATE INDEX idx_vendors_nearest_company ON vendors USING gist (company_name gist_trgm_ops);
CREATE INDEX idx_vendors_nearest_contact ON vendors USING gist (contact_name gist_trgm_ops);

CREATE OR REPLACE FUNCTION search_candidates(p_kind text, p_q text, p_limit integer)
  RETURNS TABLE (id uuid, score real, tier integer)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET enable_seqscan = off ROWS 50
  AS $$
DECLARE
  me uuid := app_manager_id();
  acting user_role := app_current_user_role();
  sees_all boolean := coalesce(acting IN ('SUPER_ADMIN', 'ADMIN', 'DFO_APPROVER', 'HO_APPROVER', 'INSPECTOR'), false);
  escaped text := replace(replace(replace(p_q, '\', '\\'), '%', '\%'), '_', '\_');
  searched text[];
  ids text[] := '{}';
  hint text;
  rule text;
  scope text;
  above text;
  candidates text;
  ranking text := '2';
BEGIN
  CASE p_kind
    WHEN 'properties' THEN
      searched := '{property_id,name,street_address}';
      ids := '{property_id}';
      hint := CASE
        WHEN sees_all THEN 'true'
        WHEN acting = 'VENDOR' THEN 'id IN (SELECT app_vendor_property_ids())'
        WHEN me IS NOT NULL THEN 'property_manager_id = $3 OR sr_property_manager_id = $3'
        ELSE 'false' END;
    WHEN 'turns' THEN
      searched := '{turn_id,wo_number}';
      ids := searched;
      hint := CASE
        WHEN sees_all THEN 'true'
        WHEN acting = 'VENDOR' THEN 'vendor_id = $4 OR flooring_vendor_id = $4'
        WHEN me IS NOT NULL THEN 'property_id IN (SELECT app_managed_property_ids())'
        ELSE 'false' END;
    WHEN 'vendors' THEN
      searched := '{company_name,contact_name}';
      hint := CASE WHEN acting IS NULL THEN 'false' WHEN acting = 'VENDOR' THEN 'id = $4' ELSE 'true' END;
    ELSE
      RAISE EXCEPTION 'unknown kind of record: %', p_kind USING ERRCODE = '22023';
  END CASE;
  SELECT pg_get_expr(p.polqual, p.polrelid) INTO rule FROM pg_policy p
   WHERE p.polrelid = p_kind::regclass AND p.polname = p_kind || '_select';
  scope := format('(%s) AND (%s)', hint, coalesce(rule, 'false'));

  -- Each column's best matches: similar above the threshold, nearest (then lowest id) first.
  SELECT string_agg(format('(SELECT id FROM %I WHERE %I %%> $1 AND %s ORDER BY %I <->> $1, id LIMIT $6)',
                           p_kind, c, scope, c), ' UNION ALL ')
    INTO candidates FROM unnest(searched) c;
  SELECT string_agg(format('%I %%> $1', c), ' OR ') INTO above FROM unnest(searched) c;
  IF length(p_q) >= 3 THEN
    -- Rows that contain the text match whatever their similarity (an id's prefix among them).
    candidates := candidates || format(' UNION ALL (SELECT id FROM %I WHERE (%s) AND %s)', p_kind,
      (SELECT string_agg(format('%I ILIKE $2', c), ' OR ') FROM unnest(searched) c), scope);
  ELSIF cardinality(ids) > 0 THEN
    -- An id that starts with a short text ranks before better similarities: all of them.
    candidates := candidates || format(' UNION ALL (SELECT id FROM %I WHERE (%s) AND (%s) AND %s)', p_kind,
      (SELECT string_agg(format('%I ILIKE $5', c), ' OR ') FROM unnest(ids) c), above, scope);
  END IF;
  IF cardinality(ids) > 0 THEN
    SELECT format('CASE WHEN %s THEN 0 WHEN %s THEN 1 ELSE 2 END',
                  string_agg(format('lower(%I) = lower($1)', c), ' OR '),
                  string_agg(format('%I ILIKE $5', c), ' OR '))
      INTO ranking FROM unnest(ids) c;
  END IF;
  RETURN QUERY EXECUTE format(
    'SELECT id, greatest(%s) AS s, %s AS t FROM %I WHERE id IN (%s) ORDER BY 3, 2 DESC, 1 LIMIT $6',
    (SELECT string_agg(format('word_similarity($1, %I)', c), ', ') FROM unnest(searched) c),
    ranking, p_kind, candidates)
    USING p_q, '%' || escaped || '%', me, app_current_vendor_id(), escaped || '%', p_limit;
END
$$;

REVOKE CREATE ON SCHEMA public FROM turns_definer;
REVOKE turns_definer FROM CURRENT_USER;
