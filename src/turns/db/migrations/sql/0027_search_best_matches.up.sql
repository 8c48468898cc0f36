-- Search: each column's best matches, in one pass.
--
-- search_candidates ran up to three passes (at similarity 0.8, 0.6, then the caller's threshold;
-- a misspelt text never fills the first two) and the last ranked every row that passed: an
-- admin's "Mapel" computed the similarities of every address on a Maple street, several times
-- each. Now each searched column gives its best p_limit matching rows, by similarity then id (a
-- bounded top-p_limit sort over the rows its GIN trigram index finds, one similarity each), and
-- only those are ranked, with the ids that start with the text (they rank first) and the rows
-- that contain it when fewer than p_limit rows are similar (they rank after every similar row).
-- The answer is the same: a row among the best p_limit by the greatest similarity of its columns
-- (then id) is among the best p_limit of the column that gives it that similarity, since every
-- similar row ahead of it there is ahead of it overall.
SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO turns_definer;  -- needed to take ownership; revoked below

CREATE OR REPLACE FUNCTION search_candidates(p_kind text, p_q text, p_limit integer)
  RETURNS TABLE (id uuid, score real, tier integer)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET enable_seqscan = off ROWS 50
  AS $$
DECLARE
  me uuid := app_manager_id();
  acting user_role := app_current_user_role();
  sees_all boolean := coalesce(acting IN ('SUPER_ADMIN', 'ADMIN', 'DFO_APPROVER', 'HO_APPROVER', 'INSPECTOR'), false);
  escaped text := replace(replace(replace(p_q, '\', '\\'), '%', '\%'), '_', '\_');
  contains text := '%' || escaped || '%';
  prefix text := escaped || '%';
  searched text[];
  ids text[] := '{}';
  hint text;
  rule text;
  scope text;
  above text;
  ranking text := '2';
  statement text;
  found uuid[];
  extra uuid[];
  similar_rows integer;
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

  -- Each column's best matches: similar above the threshold, most similar (then lowest id) first.
  SELECT string_agg(format('(SELECT id FROM %I WHERE %I %%> $1 AND %s ORDER BY %I <->> $1, id LIMIT $6)',
                           p_kind, c, scope, c), ' UNION ALL ')
    INTO statement FROM unnest(searched) c;
  EXECUTE format('SELECT array_agg(DISTINCT id) FROM (%s) best', statement)
    INTO found USING p_q, contains, me, app_current_vendor_id(), prefix, p_limit;
  found := coalesce(found, '{}');
  similar_rows := cardinality(found);
  SELECT string_agg(format('%I %%> $1', c), ' OR ') INTO above FROM unnest(searched) c;
  -- An id equal to the text or starting with it ranks before any similarity: all of them (a
  -- text of three characters or more matches them as contained, a shorter one when similar).
  IF cardinality(ids) > 0 THEN
    EXECUTE format('SELECT array_agg(id) FROM %I WHERE (%s) AND (%s) AND %s', p_kind,
      (SELECT string_agg(format('%I ILIKE $5', c), ' OR ') FROM unnest(ids) c),
      CASE WHEN length(p_q) >= 3 THEN 'true' ELSE above END, scope)
      INTO extra USING p_q, contains, me, app_current_vendor_id(), prefix, p_limit;
    found := found || coalesce(extra, '{}');
  END IF;
  -- A row that contains the text matches however dissimilar, but ranks after every similar
  -- row: it is needed only when fewer than p_limit rows are similar (each column's list is then
  -- every similar row of that column).
  IF length(p_q) >= 3 AND similar_rows < p_limit THEN
    EXECUTE format('SELECT array_agg(id) FROM %I WHERE (%s) AND %s', p_kind,
      (SELECT string_agg(format('%I ILIKE $2', c), ' OR ') FROM unnest(searched) c), scope)
      INTO extra USING p_q, contains, me, app_current_vendor_id(), prefix, p_limit;
    found := found || coalesce(extra, '{}');
  END IF;
  IF cardinality(ids) > 0 THEN
    SELECT format('CASE WHEN %s THEN 0 WHEN %s THEN 1 ELSE 2 END',
                  string_agg(format('lower(%I) = lower($1)', c), ' OR '),
                  string_agg(format('%I ILIKE $5', c), ' OR '))
      INTO ranking FROM unnest(ids) c;
  END IF;
  RETURN QUERY EXECUTE format(
    'SELECT id, greatest(%s) AS s, %s AS t FROM %I WHERE id = ANY($2) ORDER BY 3, 2 DESC, 1 LIMIT $3',
    (SELECT string_agg(format('word_similarity($1, %I)', c), ', ') FROM unnest(searched) c),
    replace(ranking, '$5', '$4'), p_kind)
    USING p_q, found, p_limit, prefix;
END
$$;

REVOKE CREATE ON SCHEMA public FROM turns_definer;
REVOKE turns_definer FROM CURRENT_USER;
