SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
DO $undo$
DECLARE
  pol record;
  t text;
BEGIN
  FOR pol IN SELECT policyname, tablename FROM pg_policies WHERE schemaname = 'public' LOOP
    EXECUTE format('DROP POLICY %I ON %I', pol.policyname, pol.tablename);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['users', 'sessions', 'vendors', 'utility_providers', 'properties',
                           'turn_stages', 'turns', 'turn_stage_history', 'notifications', 'audit_logs']
  LOOP
    EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
    EXECUTE format('REVOKE ALL ON %I FROM turns_app, turns_definer', t);
    IF t <> 'audit_logs' THEN
      EXECUTE format('DROP TRIGGER %I ON %I', 'audit_' || t, t);
    END IF;
  END LOOP;
END
$undo$;
DROP TRIGGER guard_users_privileges ON users;
DROP TRIGGER record_turns_stage_change ON turns;
DROP FUNCTION guard_user_privileges();
DROP FUNCTION record_stage_change();
DROP FUNCTION audit_row_change();
DROP FUNCTION app_vendor_property_ids();
DROP FUNCTION app_managed_property_ids();
DROP FUNCTION app_current_vendor_id();
DROP FUNCTION app_current_user_role();
REVOKE USAGE ON SCHEMA public FROM turns_app, turns_replication, turns_definer;
REVOKE turns_definer FROM CURRENT_USER;
