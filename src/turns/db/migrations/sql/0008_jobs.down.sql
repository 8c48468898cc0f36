SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
DROP FUNCTION audit_export(text, uuid, jsonb);
DROP TABLE export_jobs;
DROP SCHEMA jobs CASCADE;
REVOKE turns_definer FROM CURRENT_USER;
