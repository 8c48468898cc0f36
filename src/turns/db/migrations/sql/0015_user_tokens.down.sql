SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
DROP FUNCTION auth_use_user_token(bytea, text);
DROP FUNCTION auth_user_token_holder(bytea);
DROP FUNCTION auth_issue_user_token(uuid, text, bytea, timestamptz, jsonb);
REVOKE UPDATE (email_verified) ON users FROM turns_definer;
DROP TABLE user_tokens;
REVOKE turns_definer FROM CURRENT_USER;
