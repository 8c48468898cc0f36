-- Access: SECURITY DEFINER helpers, audit and stage-history triggers, grants, RLS policies.
--
-- Every table is RLS-enabled and FORCEd, so the owner is filtered too. Policies
-- read the acting user from the transaction setting app.current_user_id, always as
-- (SELECT nullif(current_setting('app.current_user_id', true), '')::uuid)
-- so it is computed once per statement and an unset value means "nobody".
SET LOCAL lock_timeout = '10s';
-- Membership only for this migration, to hand functions to turns_definer; revoked at the end
-- so the owner never inherits turns_definer's policies.
GRANT turns_definer TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO turns_definer;  -- needed to take ownership; revoked below

-- Definer helpers (owned by turns_definer, which passes RLS only through its own policies).
CREATE FUNCTION app_current_user_role() RETURNS user_role
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT role FROM users
    WHERE id = nullif(current_setting('app.current_user_id', true), '')::uuid AND is_active
  $$;

CREATE FUNCTION app_current_vendor_id() RETURNS uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT vendor_id FROM users
    WHERE id = nullif(current_setting('app.current_user_id', true), '')::uuid
      AND is_active AND role = 'VENDOR'
  $$;

-- Properties in the acting user's portfolio (as property manager or senior manager).
CREATE FUNCTION app_managed_property_ids() RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp ROWS 200
  AS $$
    SELECT p.id FROM properties p
    WHERE p.property_manager_id = nullif(current_setting('app.current_user_id', true), '')::uuid
    UNION
    SELECT p.id FROM properties p
    WHERE p.sr_property_manager_id = nullif(current_setting('app.current_user_id', true), '')::uuid
  $$;

-- Properties where the acting vendor user's company is assigned to a turn.
CREATE FUNCTION app_vendor_property_ids() RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp ROWS 50
  AS $$
    SELECT t.property_id FROM turns t WHERE t.vendor_id = app_current_vendor_id()
    UNION
    SELECT t.property_id FROM turns t WHERE t.flooring_vendor_id = app_current_vendor_id()
  $$;

-- Audit: one row per inserted, updated or deleted row, in the same transaction. -----
CREATE FUNCTION audit_row_change() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  actor_id uuid := nullif(current_setting('app.current_user_id', true), '')::uuid;
  actor record;
  old_row jsonb := CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) END;
  new_row jsonb := CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN to_jsonb(NEW) END;
  row_data jsonb := coalesce(new_row, old_row);
  changed text[];
  secret text;
  ctx_property uuid;
  ctx_turn uuid;
  ctx_vendor uuid;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    SELECT array_agg(n.key ORDER BY n.key) INTO changed
    FROM jsonb_each(new_row) n
    WHERE n.value IS DISTINCT FROM old_row -> n.key
      AND n.key NOT IN ('updated_at', 'version', 'updated_by', 'last_seen_at');
    IF changed IS NULL THEN
      RETURN NULL;  -- nothing but bookkeeping changed (e.g. a session's last_seen_at)
    END IF;
  ELSIF TG_OP = 'INSERT' THEN
    SELECT array_agg(k ORDER BY k) INTO changed FROM jsonb_object_keys(new_row) k;
  END IF;

  -- Secrets never reach the audit log; that they changed does.
  FOREACH secret IN ARRAY ARRAY['password_hash', 'token_hash', 'primary_lock_box_code'] LOOP
    IF old_row ? secret AND old_row ->> secret IS NOT NULL THEN
      old_row := jsonb_set(old_row, ARRAY[secret], '"[redacted]"');
    END IF;
    IF new_row ? secret AND new_row ->> secret IS NOT NULL THEN
      new_row := jsonb_set(new_row, ARRAY[secret], '"[redacted]"');
    END IF;
  END LOOP;

  CASE TG_TABLE_NAME
    WHEN 'turns' THEN
      ctx_turn := (row_data ->> 'id')::uuid;
      ctx_property := (row_data ->> 'property_id')::uuid;
      ctx_vendor := (row_data ->> 'vendor_id')::uuid;
    WHEN 'properties' THEN
      ctx_property := (row_data ->> 'id')::uuid;
    WHEN 'vendors' THEN
      ctx_vendor := (row_data ->> 'id')::uuid;
    WHEN 'turn_stage_history', 'notifications' THEN
      ctx_turn := (row_data ->> 'turn_id')::uuid;
      ctx_property := (row_data ->> 'property_id')::uuid;
    ELSE
      NULL;
  END CASE;

  SELECT u.email, btrim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')) AS name, u.role::text AS role
    INTO actor FROM users u WHERE u.id = actor_id;

  INSERT INTO audit_logs (
    table_name, record_id, action, user_id, user_email, user_name, user_role,
    ip_address, user_agent, session_id, old_values, new_values, changed_fields,
    property_id, turn_id, vendor_id, context
  ) VALUES (
    TG_TABLE_NAME,
    (row_data ->> 'id')::uuid,
    (CASE TG_OP WHEN 'INSERT' THEN 'CREATE' WHEN 'UPDATE' THEN 'UPDATE' ELSE 'DELETE' END)::audit_action,
    CASE WHEN actor.email IS NOT NULL THEN actor_id END,
    coalesce(actor.email, 'system'),
    coalesce(nullif(actor.name, ''), actor.email, 'system'),
    coalesce(actor.role, 'SYSTEM'),
    nullif(current_setting('app.ip_address', true), '')::inet,
    nullif(current_setting('app.user_agent', true), ''),
    nullif(current_setting('app.session_id', true), '')::uuid,
    old_row,
    new_row,
    changed,
    ctx_property,
    ctx_turn,
    ctx_vendor,
    coalesce(nullif(current_setting('app.context', true), ''), CASE WHEN actor.email IS NULL THEN 'system' END)
  );
  RETURN NULL;
END
$$;

-- Stage history: every stage a turn enters, whichever path changed it. -------------
CREATE FUNCTION record_stage_change() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.stage_id IS NOT DISTINCT FROM OLD.stage_id THEN
    RETURN NULL;
  END IF;
  INSERT INTO turn_stage_history (turn_id, property_id, from_stage_id, to_stage_id, changed_by, note)
  VALUES (
    NEW.id, NEW.property_id,
    CASE WHEN TG_OP = 'UPDATE' THEN OLD.stage_id END,
    NEW.stage_id,
    nullif(current_setting('app.current_user_id', true), '')::uuid,
    nullif(current_setting('app.stage_note', true), '')
  );
  RETURN NULL;
END
$$;

-- Only admins change a user's role, activity or vendor link; only a super admin makes one.
-- With no acting user (migrations, the owner's own maintenance) nothing is checked here:
-- RLS already keeps the application role out of that context.
CREATE FUNCTION guard_user_privileges() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  acting user_role := app_current_user_role();
BEGIN
  IF nullif(current_setting('app.current_user_id', true), '') IS NULL THEN
    RETURN NEW;
  END IF;
  IF NEW.role = 'SUPER_ADMIN' AND (TG_OP = 'INSERT' OR OLD.role <> 'SUPER_ADMIN')
     AND acting IS DISTINCT FROM 'SUPER_ADMIN' THEN
    RAISE EXCEPTION 'only a super admin can grant the SUPER_ADMIN role' USING ERRCODE = '42501';
  END IF;
  IF TG_OP = 'UPDATE'
     AND (NEW.role, NEW.is_active, NEW.vendor_id) IS DISTINCT FROM (OLD.role, OLD.is_active, OLD.vendor_id)
     AND acting IS DISTINCT FROM 'SUPER_ADMIN' AND acting IS DISTINCT FROM 'ADMIN' THEN
    RAISE EXCEPTION 'only an admin can change a user''s role, activity or vendor' USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END
$$;

DO $owners$
DECLARE
  f text;
BEGIN
  FOREACH f IN ARRAY ARRAY['app_current_user_role()', 'app_current_vendor_id()', 'app_managed_property_ids()',
                           'app_vendor_property_ids()', 'audit_row_change()', 'record_stage_change()',
                           'guard_user_privileges()']
  LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO turns_definer', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
END
$owners$;
GRANT EXECUTE ON FUNCTION app_current_user_role(), app_current_vendor_id(), app_managed_property_ids(),
  app_vendor_property_ids() TO turns_app, CURRENT_USER;

CREATE TRIGGER guard_users_privileges BEFORE INSERT OR UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION guard_user_privileges();
CREATE TRIGGER record_turns_stage_change AFTER INSERT OR UPDATE OF stage_id ON turns
  FOR EACH ROW EXECUTE FUNCTION record_stage_change();

DO $audit$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['users', 'sessions', 'vendors', 'utility_providers', 'properties',
                           'turn_stages', 'turns', 'turn_stage_history', 'notifications']
  LOOP
    EXECUTE format(
      'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION audit_row_change()',
      'audit_' || t, t);
  END LOOP;
END
$audit$;

-- Grants ----------------------------------------------------------------------------------
GRANT USAGE ON SCHEMA public TO turns_app, turns_replication, turns_definer;

-- users: everything but the password hash is readable; the hash is write-only.
GRANT SELECT (id, email, first_name, last_name, phone, role, is_active, email_verified, last_login,
              vendor_id, version, created_at, updated_at, created_by, updated_by) ON users TO turns_app;
GRANT INSERT, UPDATE ON users TO turns_app;
-- turns: the lock-box code is not readable by the application role at all.
GRANT SELECT (id, turn_id, property_id, stage_id, wo_number, move_out_date, trash_out_needed, turn_amount,
              approved_turn_amount, change_order_amount, vendor_id, turns_superintendent_id,
              flooring_vendor_id, expected_completion_date, occupancy_check_date, scope_approved_date,
              turn_assignment_date, final_walk_date, sent_to_leasing_date, scan_360_date,
              turn_completion_date, power_status, water_status, gas_status, power_provider_id,
              water_provider_id, gas_provider_id, scope_approval_status, scope_submitted_by,
              scope_submitted_at, dfo_approval_user_id, dfo_approval_datetime, ho_approval_user_id,
              ho_approval_datetime, reject_user_id, reject_datetime, reject_reason, order_inside_maps,
              generate_wo_email, appliances_needed, appliances_ordered, scope_photos_link, status,
              sub_status, is_active, lock_box_install_date, lock_box_location, version, created_at,
              updated_at, created_by, updated_by) ON turns TO turns_app;
GRANT INSERT, UPDATE, DELETE ON turns TO turns_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON properties, vendors, utility_providers, turn_stages, notifications TO turns_app;
GRANT SELECT ON turn_stage_history TO turns_app;
GRANT SELECT, INSERT ON audit_logs TO turns_app;
-- sessions: no grant; only the definer functions of the auth path touch them.

GRANT SELECT ON users, properties, turns TO turns_definer;
GRANT UPDATE (password_hash, last_login) ON users TO turns_definer;
GRANT SELECT, INSERT, UPDATE, DELETE ON sessions TO turns_definer;
GRANT INSERT ON audit_logs, turn_stage_history TO turns_definer;

-- Policies ------------------------------------------------------------------------------------
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
ALTER TABLE vendors ENABLE ROW LEVEL SECURITY;
ALTER TABLE vendors FORCE ROW LEVEL SECURITY;
ALTER TABLE utility_providers ENABLE ROW LEVEL SECURITY;
ALTER TABLE utility_providers FORCE ROW LEVEL SECURITY;
ALTER TABLE properties ENABLE ROW LEVEL SECURITY;
ALTER TABLE properties FORCE ROW LEVEL SECURITY;
ALTER TABLE turn_stages ENABLE ROW LEVEL SECURITY;
ALTER TABLE turn_stages FORCE ROW LEVEL SECURITY;
ALTER TABLE turns ENABLE ROW LEVEL SECURITY;
ALTER TABLE turns FORCE ROW LEVEL SECURITY;
ALTER TABLE turn_stage_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE turn_stage_history FORCE ROW LEVEL SECURITY;
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_logs FORCE ROW LEVEL SECURITY;

-- users: staff see the directory, a vendor user only themselves; admins write.
CREATE POLICY users_select ON users FOR SELECT USING (
  id = (SELECT nullif(current_setting('app.current_user_id', true), '')::uuid)
  OR (SELECT app_current_user_role()) <> 'VENDOR'
);
CREATE POLICY users_insert ON users FOR INSERT WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
);
CREATE POLICY users_update ON users FOR UPDATE USING (
  id = (SELECT nullif(current_setting('app.current_user_id', true), '')::uuid)
  OR (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
) WITH CHECK (
  id = (SELECT nullif(current_setting('app.current_user_id', true), '')::uuid)
  OR (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
);
CREATE POLICY users_definer ON users FOR SELECT TO turns_definer USING (true);
CREATE POLICY users_definer_update ON users FOR UPDATE TO turns_definer USING (true) WITH CHECK (true);

-- sessions: reachable only by the definer functions of the auth path.
CREATE POLICY sessions_definer ON sessions FOR ALL TO turns_definer USING (true) WITH CHECK (true);

-- vendors: staff read all; a vendor user reads and updates its own company; admins write.
CREATE POLICY vendors_select ON vendors FOR SELECT USING (
  (SELECT app_current_user_role()) <> 'VENDOR'
  OR id = (SELECT app_current_vendor_id())
);
CREATE POLICY vendors_insert ON vendors FOR INSERT WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
);
CREATE POLICY vendors_update ON vendors FOR UPDATE USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
  OR id = (SELECT app_current_vendor_id())
) WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
  OR id = (SELECT app_current_vendor_id())
);
CREATE POLICY vendors_delete ON vendors FOR DELETE USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
);

-- utility providers and turn stages: every signed-in user reads; admins write.
CREATE POLICY utility_providers_select ON utility_providers FOR SELECT USING (
  (SELECT app_current_user_role()) IS NOT NULL
);
CREATE POLICY utility_providers_write ON utility_providers FOR ALL USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
) WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
);
CREATE POLICY turn_stages_select ON turn_stages FOR SELECT USING (
  (SELECT app_current_user_role()) IS NOT NULL
);
CREATE POLICY turn_stages_write ON turn_stages FOR ALL USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
) WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
);

-- properties: admins all; managers their portfolio; approvers and inspectors read all;
-- a vendor user reads the properties of its assigned turns.
CREATE POLICY properties_select ON properties FOR SELECT USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN', 'DFO_APPROVER', 'HO_APPROVER', 'INSPECTOR')
  OR property_manager_id = (SELECT nullif(current_setting('app.current_user_id', true), '')::uuid)
  OR sr_property_manager_id = (SELECT nullif(current_setting('app.current_user_id', true), '')::uuid)
  OR ((SELECT app_current_user_role()) = 'VENDOR' AND id IN (SELECT app_vendor_property_ids()))
);
CREATE POLICY properties_insert ON properties FOR INSERT WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
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
CREATE POLICY properties_delete ON properties FOR DELETE USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
);
CREATE POLICY properties_definer ON properties FOR SELECT TO turns_definer USING (true);

-- turns: admins all; managers the turns of their portfolio; approvers and inspectors read all
-- and update (the API limits which fields); a vendor user the turns assigned to its company.
CREATE POLICY turns_select ON turns FOR SELECT USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN', 'DFO_APPROVER', 'HO_APPROVER', 'INSPECTOR')
  OR property_id IN (SELECT app_managed_property_ids())
  OR vendor_id = (SELECT app_current_vendor_id())
  OR flooring_vendor_id = (SELECT app_current_vendor_id())
);
CREATE POLICY turns_insert ON turns FOR INSERT WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
  OR ((SELECT app_current_user_role()) IN ('PROPERTY_MANAGER', 'SR_PROPERTY_MANAGER')
      AND property_id IN (SELECT app_managed_property_ids()))
);
CREATE POLICY turns_update ON turns FOR UPDATE USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN', 'DFO_APPROVER', 'HO_APPROVER', 'INSPECTOR')
  OR property_id IN (SELECT app_managed_property_ids())
  OR vendor_id = (SELECT app_current_vendor_id())
  OR flooring_vendor_id = (SELECT app_current_vendor_id())
) WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN', 'DFO_APPROVER', 'HO_APPROVER', 'INSPECTOR')
  OR property_id IN (SELECT app_managed_property_ids())
  OR vendor_id = (SELECT app_current_vendor_id())
  OR flooring_vendor_id = (SELECT app_current_vendor_id())
);
CREATE POLICY turns_delete ON turns FOR DELETE USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
);
CREATE POLICY turns_definer ON turns FOR SELECT TO turns_definer USING (true);

-- stage history: readable with its turn; written only by the trigger.
CREATE POLICY turn_stage_history_select ON turn_stage_history FOR SELECT USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN', 'DFO_APPROVER', 'HO_APPROVER', 'INSPECTOR')
  OR EXISTS (SELECT 1 FROM turns t WHERE t.id = turn_stage_history.turn_id)
);
CREATE POLICY turn_stage_history_definer ON turn_stage_history FOR INSERT TO turns_definer WITH CHECK (true);

-- notifications: each user their own; any signed-in action may notify others.
CREATE POLICY notifications_select ON notifications FOR SELECT USING (
  user_id = (SELECT nullif(current_setting('app.current_user_id', true), '')::uuid)
);
CREATE POLICY notifications_insert ON notifications FOR INSERT WITH CHECK (
  (SELECT app_current_user_role()) IS NOT NULL
);
CREATE POLICY notifications_update ON notifications FOR UPDATE USING (
  user_id = (SELECT nullif(current_setting('app.current_user_id', true), '')::uuid)
) WITH CHECK (
  user_id = (SELECT nullif(current_setting('app.current_user_id', true), '')::uuid)
);
CREATE POLICY notifications_delete ON notifications FOR DELETE USING (
  user_id = (SELECT nullif(current_setting('app.current_user_id', true), '')::uuid)
);

-- audit: admins all; everyone their own actions; staff other than vendors the trail of the
-- turns and properties they can see. Rows are appended by the trigger, or by the app for
-- VIEW / EXPORT events of the acting user; never updated or deleted.
CREATE POLICY audit_logs_select ON audit_logs FOR SELECT USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
  OR user_id = (SELECT nullif(current_setting('app.current_user_id', true), '')::uuid)
  OR ((SELECT app_current_user_role()) NOT IN ('VENDOR', 'USER') AND (
        (turn_id IS NOT NULL AND EXISTS (SELECT 1 FROM turns t WHERE t.id = audit_logs.turn_id))
        OR (turn_id IS NULL AND property_id IS NOT NULL
            AND EXISTS (SELECT 1 FROM properties p WHERE p.id = audit_logs.property_id))))
);
CREATE POLICY audit_logs_insert ON audit_logs FOR INSERT WITH CHECK (
  action IN ('VIEW', 'EXPORT')
  AND user_id = (SELECT nullif(current_setting('app.current_user_id', true), '')::uuid)
);
CREATE POLICY audit_logs_definer ON audit_logs FOR INSERT TO turns_definer WITH CHECK (true);

REVOKE CREATE ON SCHEMA public FROM turns_definer;
REVOKE turns_definer FROM CURRENT_USER;
