-- Search through the trigram indexes of 0007_search, and audit-log indexes for the viewer's
-- filters, both under RLS.
SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO turns_definer;  -- needed to take ownership; revoked below

-- pg_trgm's operators are not leakproof, so under the application role's RLS policies they
-- are evaluated only after the policy, row by row: the trigram indexes go unused. This
-- function runs as turns_definer (whose policies on properties, turns and vendors pass every
-- row) and states the caller's scope itself, as the SELECT policy of the kind's table in
-- 0002_security does, built for the caller's role so the planner can use the scope's indexes
-- too. It returns at most p_limit ids the caller can see, best first: exact id match (tier 0),
-- id prefix (1), the rest (2); then the word similarity of the best-matching column. A row
-- matches when a searched column has a word similar to p_q (%>, at the transaction's
-- pg_trgm.word_similarity_threshold) or, for p_q of 3 characters or more (shorter text has no
-- trigram of its own), contains it. The caller re-reads the ids under RLS, which stays the rule.
--
-- Ids that share a prefix ("TRN-2024-...", "WO-1...") are all similar at a low threshold:
-- every row would match and be ranked. So passes at similarity 0.8 and 0.6 come first, which
-- the index narrows down. Rows a pass leaves out are of tier 2 (an id equal to or starting
-- with p_q contains it) and score no more than the pass's threshold: when p_limit rows it
-- found are of tier 0 or 1 or score above it, those rows are the answer; else the next pass,
-- and last one at the caller's threshold, decides.
-- Sequential scans are off inside: pg_trgm's functions are costed as cheap as an equality, so
-- on a table of a few thousand rows (vendors) the planner would compute the similarity of
-- every row (about 70 ms at 5,000 vendors) rather than read the index (a few ms).
CREATE FUNCTION search_candidates(p_kind text, p_q text, p_limit integer)
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
ALTER FUNCTION search_candidates(text, text, integer) OWNER TO turns_definer;
REVOKE ALL ON FUNCTION search_candidates(text, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION search_candidates(text, text, integer) TO turns_app;

-- Audit viewer: the newest rows of one actor, one table or one action.
-- user_id and table_name filters are leakproof comparisons, usable as index conditions
-- under RLS; (user_id, created_at DESC) replaces the plain user_id index.
DROP INDEX idx_audit_user_id;
CREATE INDEX idx_audit_user_id ON audit_logs (user_id, created_at DESC);
CREATE INDEX idx_audit_table_created ON audit_logs (table_name, created_at DESC);
-- Enum equality is not leakproof: under RLS, an (action, created_at) index could not take
-- "action = ..." as its condition. A partial index per action can serve it (the planner proves
-- the index predicate from the query; nothing is evaluated on rows the policy hides). Together
-- they hold what an (action, created_at DESC) index would, and replace the plain action index.
DROP INDEX idx_audit_action;
CREATE INDEX idx_audit_action_create ON audit_logs (created_at DESC) WHERE action = 'CREATE';
CREATE INDEX idx_audit_action_update ON audit_logs (created_at DESC) WHERE action = 'UPDATE';
CREATE INDEX idx_audit_action_delete ON audit_logs (created_at DESC) WHERE action = 'DELETE';
CREATE INDEX idx_audit_action_view ON audit_logs (created_at DESC) WHERE action = 'VIEW';
CREATE INDEX idx_audit_action_export ON audit_logs (created_at DESC) WHERE action = 'EXPORT';

REVOKE CREATE ON SCHEMA public FROM turns_definer;
REVOKE turns_definer FROM CURRENT_USER;
