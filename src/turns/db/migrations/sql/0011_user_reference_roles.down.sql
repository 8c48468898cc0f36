SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
DROP INDEX idx_turns_superintendent_id;
DROP TRIGGER check_users_role_references ON users;
DROP TRIGGER check_turns_user_references ON turns;
DROP TRIGGER check_properties_user_references ON properties;
DROP POLICY properties_select ON properties;
DROP POLICY properties_update ON properties;
CREATE POLICY properties_select ON properties FOR SELECT USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN', 'DFO_APPROVER', 'HO_APPROVER', 'INSPECTOR')
  OR property_manager_id = (SELECT nullif(current_setting('app.current_user_id', true), '')::uuid)
  OR sr_property_manager_id = (SELECT nullif(current_setting('app.current_user_id', true), '')::uuid)
  OR ((SELECT app_current_user_role()) = 'VENDOR' AND id IN (SELECT app_vendor_property_ids()))
);
CREATE POLICY properties_update ON properties FOR UPDATE USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
  OR property_manager_id = (SELECT nullif(current_setting('app.current_user_id', true), '')::uuid)
  OR sr_property_manager_id = (SELECT nullif(current_setting('app.current_user_id', true), '')::uuid)
) WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
  OR property_manager_id = (SELECT nullif(current_setting('app.current_user_id', true), '')::uuid)
  OR sr_property_manager_id = (SELECT nullif(current_setting('app.current_user_id', true), '')::uuid)
);
CREATE OR REPLACE FUNCTION app_managed_property_ids() RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp ROWS 200
  AS $$
    SELECT p.id FROM properties p
    WHERE p.property_manager_id = nullif(current_setting('app.current_user_id', true), '')::uuid
    UNION
    SELECT p.id FROM properties p
    WHERE p.sr_property_manager_id = nullif(current_setting('app.current_user_id', true), '')::uuid
  $$;
CREATE OR REPLACE FUNCTION search_candidates(p_kind text, p_q text, p_limit integer)
  RETURNS TABLE (id uuid, score real, tier integer)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET enable_seqscan = off ROWS 50
  AS $$
DECLARE
  me uuid := nullif(current_setting('app.current_user_id', true), '')::uuid;
  acting user_role := app_current_user_role();
  sees_all boolean := coalesce(acting IN ('SUPER_ADMIN', 'ADMIN', 'DFO_APPROVER', 'HO_APPROVER', 'INSPECTOR'), false);
  escaped text := replace(replace(replace(p_q, '\', '\\'), '%', '\%'), '_', '\_');
  threshold text := current_setting('pg_trgm.word_similarity_threshold', true);
  stages real[] := ARRAY[threshold::real];
  stage real;
  searched text[];
  ids text[] := '{}';
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
      scope := CASE
        WHEN sees_all THEN 'true'
        WHEN acting = 'VENDOR' THEN 'property_manager_id = $3 OR sr_property_manager_id = $3'
                                    ' OR id IN (SELECT app_vendor_property_ids())'
        ELSE 'property_manager_id = $3 OR sr_property_manager_id = $3' END;
    WHEN 'turns' THEN
      searched := '{turn_id,wo_number}';
      ids := searched;
      scope := CASE
        WHEN sees_all THEN 'true'
        WHEN acting = 'VENDOR' THEN 'property_id IN (SELECT app_managed_property_ids())'
                                    ' OR vendor_id = $4 OR flooring_vendor_id = $4'
        ELSE 'property_id IN (SELECT app_managed_property_ids())' END;
    WHEN 'vendors' THEN
      searched := '{company_name,contact_name}';
      scope := CASE WHEN acting IS NULL THEN 'false' WHEN acting = 'VENDOR' THEN 'id = $4' ELSE 'true' END;
    ELSE
      RAISE EXCEPTION 'unknown kind of record: %', p_kind USING ERRCODE = '22023';
  END CASE;

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
DROP FUNCTION app_manager_id();
DROP FUNCTION check_role_references();
DROP FUNCTION check_user_references();
DROP FUNCTION user_reference_roles();
REVOKE turns_definer FROM CURRENT_USER;
