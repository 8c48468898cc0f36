SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO turns_definer;

-- The function of 0011_user_reference_roles: passes at similarity 0.8, 0.6, then the caller's threshold.
CREATE OR REPLACE FUNCTION search_candidates(p_kind text, p_q text, p_limit integer)
  RETURNS TABLE (id uuid, score real, tier integer)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET enable_seqscan = off ROWS 50
  AS $$
DECLARE
  me uuid := app_manager_id();
  acting user_role := app_current_user_role();
  sees_all boolean := coalesce(acting IN ('SUPER_ADMIN', 'ADMIN', 'DFO_APPROVER', 'HO_APPROVER', 'INSPECTOR'), false);
  escaped text := replace(replace(replace(p_q, '\', '\\'), '%', '\%'), '_', '\_');
  threshold text := current_setting('pg_trgm.word_similarity_threshold', true);
  stages real[] := ARRAY[threshold::real];
  stage real;
  searched text[];
  ids text[] := '{}';
  hint text;
  rule text;
  scope text;
  matches text;
  ranking text := '2';
  statement text;
  found_ids uuid[];
  found_scores real[];
  found_tiers integer[];
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

  SELECT string_agg(format('%I %%> $1', c), ' OR ')
         || CASE WHEN length(p_q) >= 3 THEN ' OR ' || string_agg(format('%I ILIKE $2', c), ' OR ') ELSE '' END
    INTO matches FROM unnest(searched) c;
  IF cardinality(ids) > 0 THEN
    SELECT format('CASE WHEN %s THEN 0 WHEN %s THEN 1 ELSE 2 END',
                  string_agg(format('lower(%I) = lower($1)', c), ' OR '),
                  string_agg(format('%I ILIKE $5', c), ' OR '))
      INTO ranking FROM unnest(ids) c;
  END IF;
  statement := format(
    'SELECT array_agg(id ORDER BY t, s DESC, id), array_agg(s ORDER BY t, s DESC, id), array_agg(t ORDER BY t, s DESC, id)'
    ' FROM (SELECT id, greatest(%s) AS s, %s AS t FROM %I WHERE (%s) AND (%s) ORDER BY 3, 2 DESC, 1 LIMIT $6) found',
    (SELECT string_agg(format('word_similarity($1, %I)', c), ', ') FROM unnest(searched) c),
    ranking, p_kind, matches, scope);

  IF length(p_q) >= 3 THEN
    stages := ARRAY(SELECT s FROM unnest(ARRAY[0.8, 0.6]::real[]) s WHERE s > threshold::real) || stages;
  END IF;
  FOREACH stage IN ARRAY stages LOOP
    IF stage IS NOT NULL THEN
      PERFORM set_config('pg_trgm.word_similarity_threshold', stage::text, true);
    END IF;
    EXECUTE statement INTO found_ids, found_scores, found_tiers
      USING p_q, '%' || escaped || '%', me, app_current_vendor_id(), escaped || '%', p_limit;
    EXIT WHEN (SELECT count(*) FROM unnest(found_scores, found_tiers) f(s, t) WHERE t < 2 OR s > stage) >= p_limit;
  END LOOP;
  IF threshold IS NOT NULL THEN
    PERFORM set_config('pg_trgm.word_similarity_threshold', threshold, true);
  END IF;
  RETURN QUERY SELECT * FROM unnest(found_ids, found_scores, found_tiers);
END
$$;

REVOKE CREATE ON SCHEMA public FROM turns_definer;
REVOKE turns_definer FROM CURRENT_USER;
