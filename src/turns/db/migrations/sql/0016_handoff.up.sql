-- Hand-off to leasing.
-- Stages gain three requirement flags, checked by the same rules as every stage move: the
-- utilities on, the final walk done (a date and who walked), the lock box set (an install date
-- and a location). The default stages ask for utilities before work and the final walk, and
-- for the walk and the lock box before a turn is complete.
-- A turn gains who walked it, the resident's move-in date, and who sent it to leasing and when.
-- Every change of a turn's ready date (expected_completion_date) or move-in date is kept in
-- turn_date_changes by a trigger, with the reason the writer gave (app.date_reason), so no
-- path changes a date without a trace; the table reads like the turn's stage history.
SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO turns_definer;  -- needed to take ownership; revoked below

ALTER TABLE turn_stages
  ADD COLUMN requires_utilities_on BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN requires_final_walk BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN requires_lock_box BOOLEAN NOT NULL DEFAULT false;
SELECT set_config('app.current_user_id', '00000000-0000-0000-0000-000000000001', true),
       set_config('app.context', 'migration', true);
UPDATE turn_stages SET requires_utilities_on = true WHERE name IN ('In Progress', 'Final Walk');
UPDATE turn_stages SET requires_final_walk = true, requires_lock_box = true WHERE name = 'Complete';

ALTER TABLE turns
  ADD COLUMN final_walk_by UUID REFERENCES users(id),
  ADD COLUMN move_in_date DATE,
  ADD COLUMN sent_to_leasing_at TIMESTAMPTZ,
  ADD COLUMN sent_to_leasing_by UUID REFERENCES users(id);
GRANT SELECT (final_walk_by, move_in_date, sent_to_leasing_at, sent_to_leasing_by) ON turns
  TO turns_app, turns_replication;

CREATE TABLE turn_date_changes (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  turn_id UUID NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
  property_id UUID NOT NULL REFERENCES properties(id),
  field VARCHAR(50) NOT NULL CHECK (field IN ('expected_completion_date', 'move_in_date')),
  old_value DATE,
  new_value DATE,
  reason VARCHAR(500),
  changed_by UUID REFERENCES users(id),
  changed_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id)
);
CREATE INDEX idx_turn_date_changes_turn ON turn_date_changes (turn_id, changed_at);
CREATE INDEX idx_turn_date_changes_property ON turn_date_changes (property_id);
CREATE TRIGGER update_turn_date_changes_updated_at BEFORE INSERT OR UPDATE ON turn_date_changes
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER audit_turn_date_changes AFTER INSERT OR UPDATE OR DELETE ON turn_date_changes
  FOR EACH ROW EXECUTE FUNCTION audit_row_change();

-- Readable with its turn, like the stage history; written only by the trigger below.
GRANT SELECT ON turn_date_changes TO turns_app;
GRANT INSERT ON turn_date_changes TO turns_definer;
ALTER TABLE turn_date_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE turn_date_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY turn_date_changes_select ON turn_date_changes FOR SELECT USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN', 'DFO_APPROVER', 'HO_APPROVER', 'INSPECTOR')
  OR EXISTS (SELECT 1 FROM turns t WHERE t.id = turn_date_changes.turn_id)
);
CREATE POLICY turn_date_changes_definer ON turn_date_changes FOR INSERT TO turns_definer WITH CHECK (true);

CREATE FUNCTION record_date_change() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  actor uuid := nullif(current_setting('app.current_user_id', true), '')::uuid;
  why text := nullif(btrim(current_setting('app.date_reason', true)), '');
BEGIN
  IF NEW.expected_completion_date IS DISTINCT FROM OLD.expected_completion_date THEN
    INSERT INTO turn_date_changes (turn_id, property_id, field, old_value, new_value, reason, changed_by)
    VALUES (NEW.id, NEW.property_id, 'expected_completion_date', OLD.expected_completion_date,
            NEW.expected_completion_date, why, actor);
  END IF;
  IF NEW.move_in_date IS DISTINCT FROM OLD.move_in_date THEN
    INSERT INTO turn_date_changes (turn_id, property_id, field, old_value, new_value, reason, changed_by)
    VALUES (NEW.id, NEW.property_id, 'move_in_date', OLD.move_in_date, NEW.move_in_date, why, actor);
  END IF;
  RETURN NULL;
END
$$;
ALTER FUNCTION record_date_change() OWNER TO turns_definer;
REVOKE ALL ON FUNCTION record_date_change() FROM PUBLIC;
CREATE TRIGGER record_turns_date_change AFTER UPDATE OF expected_completion_date, move_in_date ON turns
  FOR EACH ROW EXECUTE FUNCTION record_date_change();

-- A turn sent to leasing tells the property's managers (never the one who sent it).
CREATE FUNCTION turn_sent_to_leasing() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  prop record;
BEGIN
  IF NEW.sent_to_leasing_at IS NULL OR OLD.sent_to_leasing_at IS NOT NULL THEN
    RETURN NULL;
  END IF;
  SELECT p.property_id, p.name, p.street_address, p.city, p.state, p.property_manager_id, p.sr_property_manager_id
    INTO prop FROM properties p WHERE p.id = NEW.property_id;
  PERFORM notify_users(ARRAY[prop.property_manager_id, prop.sr_property_manager_id], 'sent_to_leasing',
    format('%s sent to leasing', NEW.turn_id),
    format('%s at %s is ready and was handed to leasing.', NEW.turn_id, prop.name), NEW, 'sent_to_leasing',
    jsonb_build_object('turn_uuid', NEW.id, 'turn_id', NEW.turn_id, 'property_id', prop.property_id,
                       'property_name', prop.name,
                       'address', concat_ws(', ', prop.street_address, prop.city, prop.state),
                       'move_in_date', NEW.move_in_date));
  RETURN NULL;
END
$$;
ALTER FUNCTION turn_sent_to_leasing() OWNER TO turns_definer;
REVOKE ALL ON FUNCTION turn_sent_to_leasing() FROM PUBLIC;
CREATE TRIGGER turns_sent_to_leasing AFTER UPDATE OF sent_to_leasing_at ON turns
  FOR EACH ROW EXECUTE FUNCTION turn_sent_to_leasing();

SELECT set_config('app.current_user_id', '', true), set_config('app.context', '', true);
REVOKE CREATE ON SCHEMA public FROM turns_definer;
REVOKE turns_definer FROM CURRENT_USER;
