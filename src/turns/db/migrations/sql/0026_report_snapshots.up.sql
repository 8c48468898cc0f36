-- An admin's unfiltered report reads every turn and its whole stage history: at a million turns
-- that takes seconds to minutes. The reporting job computes those reports every five minutes
-- and keeps each one here with the time it was computed (as_of); an admin's request reads the
-- row. Only admins see every row and every column a report is built on, so only they read
-- (and, as the system user, write) the snapshots; every other role's reports stay computed on
-- request under RLS.
SET LOCAL lock_timeout = '10s';

CREATE TABLE report_snapshots (
  report VARCHAR(50) PRIMARY KEY,
  body JSON NOT NULL,  -- kept as written (json, not jsonb): sent as it is, never converted
  as_of TIMESTAMPTZ NOT NULL
);
ALTER TABLE report_snapshots ENABLE ROW LEVEL SECURITY;
ALTER TABLE report_snapshots FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON report_snapshots TO turns_app;
CREATE POLICY report_snapshots_select ON report_snapshots FOR SELECT USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
);
CREATE POLICY report_snapshots_insert ON report_snapshots FOR INSERT WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
);
CREATE POLICY report_snapshots_update ON report_snapshots FOR UPDATE USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
) WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
);

-- days-vacant asks, for each turn, whether a later turn of the same property moved out before
-- the next move-in: one index range per turn instead of every turn of the property.
CREATE INDEX idx_turns_property_move_out ON turns (property_id, move_out_date);
