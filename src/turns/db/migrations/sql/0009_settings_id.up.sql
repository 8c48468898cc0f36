-- workflow_settings is a single row; its key was a boolean, which the audit trigger (like
-- every audit reader) cannot use as a record id. Give it a fixed UUID instead.
SET LOCAL lock_timeout = '10s';

ALTER TABLE workflow_settings DROP CONSTRAINT workflow_settings_id_check;
ALTER TABLE workflow_settings ALTER COLUMN id DROP DEFAULT;
ALTER TABLE workflow_settings
  ALTER COLUMN id TYPE uuid USING '00000000-0000-0000-0000-000000000005'::uuid;
ALTER TABLE workflow_settings
  ALTER COLUMN id SET DEFAULT '00000000-0000-0000-0000-000000000005'::uuid,
  ADD CONSTRAINT workflow_settings_single_row CHECK (id = '00000000-0000-0000-0000-000000000005'::uuid);
