SET LOCAL lock_timeout = '10s';
DROP TABLE audit_logs, notifications, turn_stage_history, turns, turn_stages, properties,
  utility_providers, sessions;
ALTER TABLE users DROP CONSTRAINT users_vendor_id_fkey;
DROP TABLE vendors, users;
DROP FUNCTION update_updated_at_column();
DROP FUNCTION normalize_user_email();
DROP FUNCTION app_current_user_id();
DROP TYPE audit_action, utility_type, utility_status, approval_status, user_role;
DROP EXTENSION IF EXISTS pg_trgm;
