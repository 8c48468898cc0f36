-- Imports from CSV files. Each imported row is audited by the tables' own triggers; this
-- function adds the one row that names the import itself: who, which file, which kind, how
-- many rows. It is a CREATE row with context 'import' (the rows it created share the
-- transaction), so the audit_action enum stays as it is.
SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO turns_definer;  -- needed to take ownership; revoked below

CREATE FUNCTION audit_import(p_table text, p_import uuid, p_details jsonb) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  acting uuid := nullif(current_setting('app.current_user_id', true), '')::uuid;
BEGIN
  IF app_current_user_role() IS NULL THEN
    RAISE EXCEPTION 'imports need a signed-in user' USING ERRCODE = '42501';
  END IF;
  INSERT INTO audit_logs (table_name, record_id, action, user_id, user_email, user_name, user_role, ip_address,
                          user_agent, session_id, context, metadata)
  SELECT p_table, p_import, 'CREATE', u.id, u.email,
         coalesce(nullif(btrim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), ''), u.email),
         u.role::text, nullif(current_setting('app.ip_address', true), '')::inet,
         nullif(current_setting('app.user_agent', true), ''),
         nullif(current_setting('app.session_id', true), '')::uuid, 'import', p_details
  FROM users u WHERE u.id = acting;
END
$$;
ALTER FUNCTION audit_import(text, uuid, jsonb) OWNER TO turns_definer;
REVOKE ALL ON FUNCTION audit_import(text, uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_import(text, uuid, jsonb) TO turns_app;

REVOKE CREATE ON SCHEMA public FROM turns_definer;
REVOKE turns_definer FROM CURRENT_USER;
