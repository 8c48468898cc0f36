SET LOCAL lock_timeout = '10s';

ALTER TABLE workflow_settings DROP CONSTRAINT workflow_settings_single_row;
ALTER TABLE workflow_settings ALTER COLUMN id DROP DEFAULT;
ALTER TABLE workflow_settings ALTER COLUMN id TYPE boolean USING true;
ALTER TABLE workflow_settings
  ALTER COLUMN id SET DEFAULT true,
  ADD CONSTRAINT workflow_settings_id_check CHECK (id);
