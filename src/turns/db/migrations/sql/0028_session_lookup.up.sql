-- Sessions: looked up without being touched.
--
-- The API resolves a request's session in the request's own transaction, in the statement that
-- makes it the acting user. auth_resolve_session also touches the session (an UPDATE at most once
-- a minute): there the touch would hold the session's row lock until the request ends, blocking
-- the same session's other requests meanwhile, and be undone when the request fails. So the
-- request reads the session with auth_session_of, which also says whether it is due a touch, and
-- the API touches it, when due, with auth_resolve_session in a transaction of its own, as before.
-- auth_resolve_session now reads through auth_session_of: one definition of a live session.
SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO turns_definer;

CREATE FUNCTION auth_session_of(p_token_hash bytea, p_idle interval)
  RETURNS TABLE (session_id uuid, user_id uuid, email text, role user_role, vendor_id uuid,
                 first_name text, last_name text, expires_at timestamptz, touch_due boolean)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT s.id, u.id, u.email::text, u.role, u.vendor_id, u.first_name::text, u.last_name::text, s.expires_at,
           s.last_seen_at < NOW() - interval '1 minute'
    FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.token_hash = p_token_hash AND s.revoked_at IS NULL AND s.expires_at > NOW()
      AND s.last_seen_at > NOW() - p_idle AND u.is_active
  $$;
ALTER FUNCTION auth_session_of(bytea, interval) OWNER TO turns_definer;
REVOKE ALL ON FUNCTION auth_session_of(bytea, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_session_of(bytea, interval) TO turns_app;

CREATE OR REPLACE FUNCTION auth_resolve_session(p_token_hash bytea, p_idle interval)
  RETURNS TABLE (session_id uuid, user_id uuid, email text, role user_role, vendor_id uuid,
                 first_name text, last_name text, expires_at timestamptz)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  RETURN QUERY
    SELECT a.session_id, a.user_id, a.email, a.role, a.vendor_id, a.first_name, a.last_name, a.expires_at
    FROM auth_session_of(p_token_hash, p_idle) a;
  UPDATE sessions SET last_seen_at = NOW()
   WHERE token_hash = p_token_hash AND revoked_at IS NULL AND last_seen_at < NOW() - interval '1 minute';
END
$$;

REVOKE CREATE ON SCHEMA public FROM turns_definer;
REVOKE turns_definer FROM CURRENT_USER;
