-- The auth path: SECURITY DEFINER functions over sessions and password hashes (which the
-- application role cannot read), login throttling, and session revocation on disable or
-- password change.
SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO turns_definer;  -- needed to take ownership; revoked below

-- Failed-login counters, by account, by IP and by account from one IP.
CREATE TABLE auth_throttle (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL DEFAULT 0,
  window_start TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  blocked_until TIMESTAMPTZ
);
ALTER TABLE auth_throttle ENABLE ROW LEVEL SECURITY;
ALTER TABLE auth_throttle FORCE ROW LEVEL SECURITY;
CREATE POLICY auth_throttle_definer ON auth_throttle FOR ALL TO turns_definer USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON auth_throttle TO turns_definer;

-- The user an e-mail logs in as, with the hash to verify.
CREATE FUNCTION auth_login_candidate(p_email text)
  RETURNS TABLE (user_id uuid, password_hash text, is_active boolean)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT u.id, u.password_hash, u.is_active FROM users u WHERE lower(u.email) = lower(btrim(p_email))
  $$;

-- The latest moment any of the keys is blocked until (NULL when none is blocked).
CREATE FUNCTION auth_throttle_blocked_until(p_keys text[]) RETURNS timestamptz
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT max(blocked_until) FROM auth_throttle WHERE key = ANY (p_keys) AND blocked_until > NOW()
  $$;

-- Count a failure for p_key; from p_threshold failures within p_window on, block the key
-- for p_base doubled per further failure, never longer than p_max_block.
CREATE FUNCTION auth_throttle_fail(p_key text, p_threshold integer, p_window interval, p_base interval,
                                   p_max_block interval) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  n integer;
BEGIN
  INSERT INTO auth_throttle AS a (key, failures, window_start) VALUES (p_key, 1, NOW())
  ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN a.window_start < NOW() - p_window THEN 1 ELSE a.failures + 1 END,
    window_start = CASE WHEN a.window_start < NOW() - p_window THEN NOW() ELSE a.window_start END
  RETURNING failures INTO n;
  IF n >= p_threshold THEN
    UPDATE auth_throttle
       SET blocked_until = NOW() + least(p_max_block, p_base * power(2, least(n - p_threshold, 20)))
     WHERE key = p_key;
  END IF;
END
$$;

CREATE FUNCTION auth_throttle_clear(p_key text) RETURNS void
  LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ DELETE FROM auth_throttle WHERE key = p_key $$;

-- Open a session for the acting user (set app.current_user_id first); optionally store a
-- fresh hash when the password hashing parameters changed.
CREATE FUNCTION auth_create_session(p_token_hash bytea, p_expires_at timestamptz, p_ip inet, p_user_agent text,
                                    p_rehash text) RETURNS uuid
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  acting uuid := nullif(current_setting('app.current_user_id', true), '')::uuid;
  new_id uuid;
BEGIN
  IF acting IS NULL THEN
    RAISE EXCEPTION 'no acting user' USING ERRCODE = '42501';
  END IF;
  INSERT INTO sessions (user_id, token_hash, expires_at, ip_address, user_agent)
  VALUES (acting, p_token_hash, p_expires_at, p_ip, p_user_agent)
  RETURNING id INTO new_id;
  UPDATE users SET last_login = NOW(), password_hash = coalesce(p_rehash, password_hash) WHERE id = acting;
  RETURN new_id;
END
$$;

-- The live session a token hash names, touched at most once a minute.
CREATE FUNCTION auth_resolve_session(p_token_hash bytea, p_idle interval)
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

-- The acting user's live sessions.
CREATE FUNCTION auth_list_sessions()
  RETURNS TABLE (id uuid, created_at timestamptz, last_seen_at timestamptz, expires_at timestamptz,
                 ip_address inet, user_agent text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT s.id, s.created_at, s.last_seen_at, s.expires_at, s.ip_address, s.user_agent
    FROM sessions s
    WHERE s.user_id = nullif(current_setting('app.current_user_id', true), '')::uuid
      AND s.revoked_at IS NULL AND s.expires_at > NOW()
    ORDER BY s.created_at DESC
  $$;

-- Revoke one of the acting user's sessions; false when it is not theirs or already ended.
CREATE FUNCTION auth_revoke_session(p_session uuid) RETURNS boolean
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  UPDATE sessions SET revoked_at = NOW()
   WHERE id = p_session AND revoked_at IS NULL
     AND user_id = nullif(current_setting('app.current_user_id', true), '')::uuid;
  RETURN FOUND;
END
$$;

-- Disabling a user ends all their sessions; a new password ends all but the current one.
CREATE FUNCTION auth_end_sessions_on_change() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  IF NOT NEW.is_active AND OLD.is_active THEN
    UPDATE sessions SET revoked_at = NOW() WHERE user_id = NEW.id AND revoked_at IS NULL;
  -- (A rehash at login, which also sets last_login, is the same password: nothing ends.)
  ELSIF NEW.password_hash IS DISTINCT FROM OLD.password_hash AND OLD.password_hash IS NOT NULL
        AND NEW.last_login IS NOT DISTINCT FROM OLD.last_login THEN
    UPDATE sessions SET revoked_at = NOW()
     WHERE user_id = NEW.id AND revoked_at IS NULL
       AND id IS DISTINCT FROM nullif(current_setting('app.session_id', true), '')::uuid;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER end_users_sessions AFTER UPDATE OF is_active, password_hash ON users
  FOR EACH ROW EXECUTE FUNCTION auth_end_sessions_on_change();

-- Sessions past their absolute expiry, or revoked a day ago, are deleted by a job.
CREATE FUNCTION auth_purge_sessions() RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  n integer;
BEGIN
  DELETE FROM sessions WHERE expires_at < NOW() OR revoked_at < NOW() - interval '1 day';
  GET DIAGNOSTICS n = ROW_COUNT;
  DELETE FROM auth_throttle WHERE window_start < NOW() - interval '1 day'
    AND (blocked_until IS NULL OR blocked_until < NOW());
  RETURN n;
END
$$;

DO $owners$
DECLARE
  f text;
BEGIN
  FOREACH f IN ARRAY ARRAY['auth_login_candidate(text)', 'auth_throttle_blocked_until(text[])',
                           'auth_throttle_fail(text, integer, interval, interval, interval)',
                           'auth_throttle_clear(text)',
                           'auth_create_session(bytea, timestamptz, inet, text, text)',
                           'auth_resolve_session(bytea, interval)', 'auth_list_sessions()',
                           'auth_revoke_session(uuid)', 'auth_end_sessions_on_change()', 'auth_purge_sessions()']
  LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO turns_definer', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    IF f <> 'auth_end_sessions_on_change()' THEN
      EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO turns_app', f);
    END IF;
  END LOOP;
END
$owners$;

REVOKE CREATE ON SCHEMA public FROM turns_definer;
REVOKE turns_definer FROM CURRENT_USER;
