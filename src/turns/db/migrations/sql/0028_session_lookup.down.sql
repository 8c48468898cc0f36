SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO turns_definer;

-- The function of 0005_auth.
CREATE OR REPLACE FUNCTION auth_resolve_session(p_token_hash bytea, p_idle interval)
  RETURNS TABLE (session_id uuid, user_id uuid, email text, role user_role, vendor_id uuid,
                 first_name text, last_name text, expires_at timestamptz)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  RETURN QUERY
    SELECT s.id, u.id, u.email::text, u.role, u.vendor_id, u.first_name::text, u.last_name::text, s.expires_at
    FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.token_hash = p_token_hash AND s.revoked_at IS NULL AND s.expires_at > NOW()
      AND s.last_seen_at > NOW() - p_idle AND u.is_active;
  UPDATE sessions SET last_seen_at = NOW()
   WHERE token_hash = p_token_hash AND revoked_at IS NULL AND last_seen_at < NOW() - interval '1 minute';
END
$$;

DROP FUNCTION auth_session_of(bytea, interval);

REVOKE CREATE ON SCHEMA public FROM turns_definer;
REVOKE turns_definer FROM CURRENT_USER;
