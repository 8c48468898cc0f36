SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
DROP INDEX idx_audit_action_create, idx_audit_action_update, idx_audit_action_delete, idx_audit_action_view,
  idx_audit_action_export, idx_audit_table_created, idx_audit_user_id;
CREATE INDEX idx_audit_action ON audit_logs (action);
CREATE INDEX idx_audit_user_id ON audit_logs (user_id);
DROP FUNCTION search_candidates(text, text, integer);
REVOKE turns_definer FROM CURRENT_USER;
