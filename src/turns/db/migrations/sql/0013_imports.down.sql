SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
DROP FUNCTION audit_import(text, uuid, jsonb);
REVOKE turns_definer FROM CURRENT_USER;
