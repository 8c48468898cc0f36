-- One-time links: an admin invites a user (or resets their password); the user follows the
-- e-mailed link and chooses a password once. Only the SHA-256 of a link's token is stored,
-- and only the definer functions below touch the table: the application role can neither
-- read nor write it.
SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO turns_definer;  -- needed to take ownership; revoked below

CREATE TABLE user_tokens (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  purpose TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
  token_hash BYTEA NOT NULL UNIQUE,
  expires_at TIMESTAMPTZ NOT NULL,
  used_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  created_by UUID REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX idx_user_tokens_user ON user_tokens (user_id);
ALTER TABLE user_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY user_tokens_definer ON user_tokens FOR ALL TO turns_definer USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON user_tokens TO turns_definer;
GRANT UPDATE (email_verified) ON users TO turns_definer;
CREATE TRIGGER audit_user_tokens AFTER INSERT OR UPDATE OR DELETE ON user_tokens
  FOR EACH ROW EXECUTE FUNCTION audit_row_change();

-- Issue a link for p_user (admins; a super admin's only by a super admin): earlier unused
-- links of the user stop working, and the e-mail goes into the outbox in the same transaction.
CREATE FUNCTION auth_issue_user_token(p_user uuid, p_purpose text, p_token_hash bytea, p_expires_at timestamptz,
                                      p_context jsonb) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  acting_role text := app_current_user_role()::text;
  target users%ROWTYPE;
BEGIN
  IF acting_role IS NULL OR acting_role NOT IN ('SUPER_ADMIN', 'ADMIN') THEN
    RAISE EXCEPTION 'only admins invite users or reset passwords' USING ERRCODE = '42501';
  END IF;
  SELECT * INTO target FROM users WHERE id = p_user;
  IF NOT FOUND OR NOT target.is_active THEN
    RAISE EXCEPTION 'no active user has this id' USING ERRCODE = 'P0002';
  END IF;
  IF target.role = 'SUPER_ADMIN' AND acting_role <> 'SUPER_ADMIN' THEN
    RAISE EXCEPTION 'only a super admin changes a super admin' USING ERRCODE = '42501';
  END IF;
  UPDATE user_tokens SET used_at = NOW() WHERE user_id = p_user AND used_at IS NULL;
  INSERT INTO user_tokens (user_id, purpose, token_hash, expires_at, created_by)
  VALUES (p_user, p_purpose, p_token_hash, p_expires_at,
          nullif(current_setting('app.current_user_id', true), '')::uuid);
  INSERT INTO email_outbox (template, recipients, context)
  VALUES (CASE p_purpose WHEN 'invite' THEN 'user_invited' ELSE 'password_reset' END, ARRAY[target.email::text],
          p_context || jsonb_build_object('email', target.email::text,
                                          'name', coalesce(nullif(target.first_name, ''), target.email::text)));
END
$$;

-- Whom a live link (unused, unexpired, of an active user) is for; no row when none.
CREATE FUNCTION auth_user_token_holder(p_token_hash bytea)
  RETURNS TABLE (user_id uuid, email text, first_name text, last_name text, purpose text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT u.id, u.email::text, u.first_name::text, u.last_name::text, t.purpose
    FROM user_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = p_token_hash AND t.used_at IS NULL AND t.expires_at > NOW() AND u.is_active
  $$;

-- Use a live link once: set the password (which ends the user's sessions) and mark the
-- e-mail verified. False when the link is not live (used meanwhile, expired).
CREATE FUNCTION auth_use_user_token(p_token_hash bytea, p_password_hash text) RETURNS boolean
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  holder uuid;
BEGIN
  UPDATE user_tokens t SET used_at = NOW()
   WHERE t.token_hash = p_token_hash AND t.used_at IS NULL AND t.expires_at > NOW()
     AND EXISTS (SELECT FROM users u WHERE u.id = t.user_id AND u.is_active)
  RETURNING t.user_id INTO holder;
  IF holder IS NULL THEN
    RETURN false;
  END IF;
  UPDATE users SET password_hash = p_password_hash, email_verified = true WHERE id = holder;
  RETURN true;
END
$$;

DO $owners$
DECLARE
  f text;
BEGIN
  FOREACH f IN ARRAY ARRAY['auth_issue_user_token(uuid, text, bytea, timestamptz, jsonb)',
                           'auth_user_token_holder(bytea)', 'auth_use_user_token(bytea, text)']
  LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO turns_definer', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO turns_app', f);
  END LOOP;
END
$owners$;

REVOKE CREATE ON SCHEMA public FROM turns_definer;
REVOKE turns_definer FROM CURRENT_USER;
