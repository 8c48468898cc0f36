-- Who a user reference may name, enforced by the database, and one access rule for every path.
--
-- A property's managers are who RLS lets read and write it and its turns, and who hears about
-- its turns. So a column that names a user in a role only ever holds a user of a role allowed
-- for it, whichever path writes it (the API, a script as the application role, the owner):
-- a trigger on the referencing table checks the user on every write of the column, and a
-- trigger on users refuses a role change that would leave a standing assignment invalid.
-- The manager branch of the policies is stated once, in app_manager_id(): only an active
-- PROPERTY_MANAGER or SR_PROPERTY_MANAGER manages anything, so even a row written with the
-- triggers off (the bulk seed) opens nothing to another role. Search states its scope as the
-- SELECT policy of the table it reads (the policy's own expression, read from the catalog),
-- narrowed by a hint per role that lets the planner use the scope's indexes.
SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO turns_definer;  -- needed to take ownership; revoked below

-- The user references of the schema and the roles each may name. A standing reference is an
-- assignment that holds while it stands (a user's role may not change under it); the others
-- record who did something, checked when written: a later change of role does not rewrite
-- history. created_by/updated_by, notifications.user_id and changed_by name any user.
CREATE FUNCTION user_reference_roles()
  RETURNS TABLE (table_name text, column_name text, roles user_role[], standing boolean)
  LANGUAGE sql IMMUTABLE SET search_path = public, pg_temp
  AS $$
    VALUES
      ('properties', 'property_manager_id', '{PROPERTY_MANAGER,SR_PROPERTY_MANAGER}'::user_role[], true),
      ('properties', 'sr_property_manager_id', '{SR_PROPERTY_MANAGER}', true),
      ('turns', 'turns_superintendent_id', '{SUPER_ADMIN,ADMIN,PROPERTY_MANAGER,SR_PROPERTY_MANAGER,INSPECTOR}', true),
      ('turns', 'scope_submitted_by', '{SUPER_ADMIN,ADMIN,PROPERTY_MANAGER,SR_PROPERTY_MANAGER}', false),
      ('turns', 'dfo_approval_user_id', '{DFO_APPROVER}', false),
      ('turns', 'ho_approval_user_id', '{HO_APPROVER}', false),
      ('turns', 'reject_user_id', '{DFO_APPROVER,HO_APPROVER}', false)
  $$;

-- A written reference names a user of an allowed role. The user's row is locked (FOR SHARE)
-- until the commit, so a concurrent role change waits and then sees this reference.
CREATE FUNCTION check_user_references() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  ref record;
  new_row jsonb := to_jsonb(NEW);
  old_row jsonb := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) END;
  named uuid;
  held user_role;
BEGIN
  FOR ref IN SELECT * FROM user_reference_roles() r WHERE r.table_name = TG_TABLE_NAME LOOP
    named := (new_row ->> ref.column_name)::uuid;
    CONTINUE WHEN named IS NULL OR named IS NOT DISTINCT FROM (old_row ->> ref.column_name)::uuid;
    SELECT u.role INTO held FROM users u WHERE u.id = named FOR SHARE;
    IF FOUND AND NOT held = ANY (ref.roles) THEN
      RAISE EXCEPTION '% must name a user with role %; this user is %', ref.column_name,
        array_to_string(ref.roles, ' or '), held
        USING ERRCODE = '23514', TABLE = TG_TABLE_NAME, COLUMN = ref.column_name;
    END IF;
  END LOOP;
  RETURN NEW;
END
$$;

-- A role change that a standing reference to the user does not allow is refused: reassign
-- the properties (or turns) first.
CREATE FUNCTION check_role_references() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  ref record;
  held boolean;
BEGIN
  FOR ref IN SELECT * FROM user_reference_roles() r WHERE r.standing AND NOT NEW.role = ANY (r.roles) LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I = $1)', ref.table_name, ref.column_name)
      INTO held USING NEW.id;
    IF held THEN
      RAISE EXCEPTION 'role cannot become %: the user is still the % of some %; assign them to someone else first',
        NEW.role, ref.column_name, ref.table_name
        USING ERRCODE = '23514', TABLE = 'users', COLUMN = 'role';
    END IF;
  END LOOP;
  RETURN NEW;
END
$$;

-- The acting user, when an active property manager or senior manager: the one place the
-- policies' manager branch is decided.
CREATE FUNCTION app_manager_id() RETURNS uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT id FROM users
    WHERE id = nullif(current_setting('app.current_user_id', true), '')::uuid
      AND is_active AND role IN ('PROPERTY_MANAGER', 'SR_PROPERTY_MANAGER')
  $$;

CREATE OR REPLACE FUNCTION app_managed_property_ids() RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp ROWS 200
  AS $$
    SELECT p.id FROM properties p WHERE p.property_manager_id = (SELECT app_manager_id())
    UNION
    SELECT p.id FROM properties p WHERE p.sr_property_manager_id = (SELECT app_manager_id())
  $$;

DO $owners$
DECLARE
  f text;
BEGIN
  FOREACH f IN ARRAY ARRAY['check_user_references()', 'check_role_references()', 'app_manager_id()'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO turns_definer', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
END
$owners$;
GRANT EXECUTE ON FUNCTION app_manager_id() TO turns_app, CURRENT_USER;

DROP POLICY properties_select ON properties;
DROP POLICY properties_update ON properties;
CREATE POLICY properties_select ON properties FOR SELECT USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN', 'DFO_APPROVER', 'HO_APPROVER', 'INSPECTOR')
  OR property_manager_id = (SELECT app_manager_id())
  OR sr_property_manager_id = (SELECT app_manager_id())
  OR ((SELECT app_current_user_role()) = 'VENDOR' AND id IN (SELECT app_vendor_property_ids()))
);
CREATE POLICY properties_update ON properties FOR UPDATE USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
  OR property_manager_id = (SELECT app_manager_id())
  OR sr_property_manager_id = (SELECT app_manager_id())
) WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
  OR property_manager_id = (SELECT app_manager_id())
  OR sr_property_manager_id = (SELECT app_manager_id())
);

-- Existing standing references to a user of a role they do not allow are cleared (as the
-- system user, so the audit log records each): they are what opened a property to that user.
SELECT set_config('app.current_user_id', '00000000-0000-0000-0000-000000000001', true),
       set_config('app.context', 'migration', true);
DO $clear$
DECLARE
  ref record;
BEGIN
  FOR ref IN SELECT * FROM user_reference_roles() r WHERE r.standing LOOP
    EXECUTE format('UPDATE %I SET %I = NULL WHERE %I IN (SELECT id FROM users WHERE NOT role = ANY ($1))',
                   ref.table_name, ref.column_name, ref.column_name) USING ref.roles;
  END LOOP;
END
$clear$;
SELECT set_config('app.current_user_id', '', true), set_config('app.context', '', true);

CREATE TRIGGER check_properties_user_references
  BEFORE INSERT OR UPDATE OF property_manager_id, sr_property_manager_id ON properties
  FOR EACH ROW EXECUTE FUNCTION check_user_references();
CREATE TRIGGER check_turns_user_references
  BEFORE INSERT OR UPDATE OF turns_superintendent_id, scope_submitted_by, dfo_approval_user_id,
    ho_approval_user_id, reject_user_id ON turns
  FOR EACH ROW EXECUTE FUNCTION check_user_references();
CREATE TRIGGER check_users_role_references BEFORE UPDATE OF role ON users
  FOR EACH ROW WHEN (NEW.role IS DISTINCT FROM OLD.role) EXECUTE FUNCTION check_role_references();
-- What a role change looks up.
CREATE INDEX idx_turns_superintendent_id ON turns (turns_superintendent_id) WHERE turns_superintendent_id IS NOT NULL;

-- Search: the role's hint (index-friendly, never wider) ANDed with the table's SELECT policy.
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
