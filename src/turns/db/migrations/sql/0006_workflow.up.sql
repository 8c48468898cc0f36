-- Turn workflow: approval settings, re-approval on increases, workflow notifications and the
-- e-mail outbox (written in the same transaction as the change), lock-box reveal.
SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO turns_definer;  -- needed to take ownership; revoked below

-- One row of workflow settings, changed by admins.
CREATE TABLE workflow_settings (
  id BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
  ho_approval_threshold DECIMAL(10,2) NOT NULL DEFAULT 10000 CHECK (ho_approval_threshold >= 0),
  allow_self_approval BOOLEAN NOT NULL DEFAULT false,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id)
);
SELECT set_config('app.current_user_id', '00000000-0000-0000-0000-000000000001', true),
       set_config('app.context', 'migration', true);
ALTER TABLE workflow_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY workflow_settings_select ON workflow_settings FOR SELECT USING (
  (SELECT app_current_user_role()) IS NOT NULL
);
CREATE POLICY workflow_settings_update ON workflow_settings FOR UPDATE USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
) WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
);
CREATE POLICY workflow_settings_insert ON workflow_settings FOR INSERT WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
);
CREATE POLICY workflow_settings_definer ON workflow_settings FOR SELECT TO turns_definer USING (true);
INSERT INTO workflow_settings DEFAULT VALUES;
CREATE TRIGGER update_workflow_settings_updated_at BEFORE INSERT OR UPDATE ON workflow_settings
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER audit_workflow_settings AFTER INSERT OR UPDATE OR DELETE ON workflow_settings
  FOR EACH ROW EXECUTE FUNCTION audit_row_change();
GRANT SELECT, UPDATE ON workflow_settings TO turns_app;
GRANT SELECT ON workflow_settings TO turns_definer;

-- When the turn entered the approval queue it is waiting in.
ALTER TABLE turns ADD COLUMN approval_requested_at TIMESTAMPTZ;
GRANT SELECT (approval_requested_at) ON turns TO turns_app, turns_replication;

-- E-mail outbox: rows are written with the change that causes them and sent by a worker.
CREATE TABLE email_outbox (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  template VARCHAR(100) NOT NULL,
  recipients TEXT[] NOT NULL CHECK (cardinality(recipients) > 0),
  context JSONB NOT NULL DEFAULT '{}'::jsonb,
  turn_id UUID REFERENCES turns(id) ON DELETE SET NULL,
  status VARCHAR(20) NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENDING', 'SENT', 'FAILED')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  last_error TEXT,
  sent_at TIMESTAMPTZ,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id)
);
CREATE INDEX idx_email_outbox_due ON email_outbox (next_attempt_at) WHERE status IN ('PENDING', 'SENDING');
CREATE INDEX idx_email_outbox_turn ON email_outbox (turn_id);
CREATE TRIGGER update_email_outbox_updated_at BEFORE INSERT OR UPDATE ON email_outbox
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
ALTER TABLE email_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE email_outbox FORCE ROW LEVEL SECURITY;
-- Admins (and the system user the worker acts as) read and update; rows are written by the
-- workflow trigger.
CREATE POLICY email_outbox_admin ON email_outbox FOR SELECT USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
);
CREATE POLICY email_outbox_admin_update ON email_outbox FOR UPDATE USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
) WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
);
CREATE POLICY email_outbox_definer ON email_outbox FOR INSERT TO turns_definer WITH CHECK (true);
GRANT SELECT, UPDATE ON email_outbox TO turns_app;
GRANT INSERT ON email_outbox, notifications TO turns_definer;
CREATE POLICY notifications_definer ON notifications FOR INSERT TO turns_definer WITH CHECK (true);
GRANT SELECT ON vendors, turn_stages TO turns_definer;
CREATE POLICY vendors_definer ON vendors FOR SELECT TO turns_definer USING (true);
CREATE POLICY turn_stages_definer ON turn_stages FOR SELECT TO turns_definer USING (true);

-- An approved scope whose total grows past the approved amount goes back to approval, at the
-- level the new total needs; a decrease changes nothing.
CREATE FUNCTION turn_reapproval() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  total numeric := coalesce(NEW.turn_amount, 0) + coalesce(NEW.change_order_amount, 0);
  threshold numeric := (SELECT ho_approval_threshold FROM workflow_settings);
BEGIN
  IF NEW.scope_approval_status IN ('DFO_APPROVED', 'HO_APPROVED')
     AND NEW.scope_approval_status IS NOT DISTINCT FROM OLD.scope_approval_status
     AND NEW.approved_turn_amount IS NOT NULL AND total > NEW.approved_turn_amount THEN
    NEW.scope_approval_status := CASE WHEN total > threshold THEN 'HO_APPROVAL_NEEDED'
                                      ELSE 'DFO_APPROVAL_NEEDED' END::approval_status;
  END IF;
  IF NEW.scope_approval_status IN ('DFO_APPROVAL_NEEDED', 'HO_APPROVAL_NEEDED')
     AND NEW.scope_approval_status IS DISTINCT FROM OLD.scope_approval_status THEN
    NEW.approval_requested_at := NOW();
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER turns_reapproval BEFORE UPDATE ON turns
  FOR EACH ROW EXECUTE FUNCTION turn_reapproval();

-- Queue an in-app notification and an e-mail for each recipient (never the acting user).
CREATE FUNCTION notify_users(p_users uuid[], p_kind text, p_title text, p_body text, p_turn turns,
                             p_template text, p_context jsonb) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  actor uuid := nullif(current_setting('app.current_user_id', true), '')::uuid;
  emails text[];
BEGIN
  INSERT INTO notifications (user_id, kind, title, body, turn_id, property_id, link)
  SELECT u.id, p_kind, p_title, p_body, p_turn.id, p_turn.property_id, '/turns/' || p_turn.id
  FROM users u WHERE u.id = ANY (p_users) AND u.is_active AND u.id IS DISTINCT FROM actor;
  SELECT array_agg(DISTINCT u.email ORDER BY u.email) INTO emails
  FROM users u WHERE u.id = ANY (p_users) AND u.is_active AND u.id IS DISTINCT FROM actor;
  IF emails IS NOT NULL THEN
    INSERT INTO email_outbox (template, recipients, context, turn_id)
    VALUES (p_template, emails, p_context, p_turn.id);
  END IF;
END
$$;

-- Who hears about what: stage entered (managers, vendor), approval requested (approvers of
-- that level), approval decided (the submitter).
CREATE FUNCTION turn_workflow_events() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  prop record;
  stage record;
  vendor record;
  ctx jsonb;
  approvers uuid[];
BEGIN
  SELECT p.property_id, p.name, p.street_address, p.city, p.state, p.property_manager_id,
         p.sr_property_manager_id
    INTO prop FROM properties p WHERE p.id = NEW.property_id;
  SELECT s.name, s.send_email_to_users, s.send_email_to_vendor INTO stage FROM turn_stages s WHERE s.id = NEW.stage_id;
  ctx := jsonb_build_object(
    'turn_uuid', NEW.id, 'turn_id', NEW.turn_id, 'stage', stage.name, 'property_id', prop.property_id,
    'property_name', prop.name, 'address', concat_ws(', ', prop.street_address, prop.city, prop.state),
    'amount', coalesce(NEW.turn_amount, 0) + coalesce(NEW.change_order_amount, 0),
    'approval_status', NEW.scope_approval_status, 'reject_reason', NEW.reject_reason,
    'note', nullif(current_setting('app.stage_note', true), ''));

  IF NEW.stage_id IS DISTINCT FROM OLD.stage_id THEN
    IF stage.send_email_to_users THEN
      PERFORM notify_users(ARRAY[prop.property_manager_id, prop.sr_property_manager_id], 'stage_entered',
        format('%s moved to %s', NEW.turn_id, stage.name),
        format('%s at %s is now in %s.', NEW.turn_id, prop.name, stage.name), NEW, 'stage_entered', ctx);
    END IF;
    IF stage.send_email_to_vendor AND NEW.vendor_id IS NOT NULL THEN
      SELECT v.email, v.company_name INTO vendor FROM vendors v WHERE v.id = NEW.vendor_id;
      IF vendor.email IS NOT NULL THEN
        INSERT INTO email_outbox (template, recipients, context, turn_id)
        VALUES ('vendor_stage_entered', ARRAY[vendor.email], ctx || jsonb_build_object('vendor', vendor.company_name),
                NEW.id);
      END IF;
    END IF;
  END IF;

  IF NEW.scope_approval_status IS DISTINCT FROM OLD.scope_approval_status THEN
    IF NEW.scope_approval_status IN ('DFO_APPROVAL_NEEDED', 'HO_APPROVAL_NEEDED') THEN
      SELECT array_agg(u.id) INTO approvers FROM users u
       WHERE u.is_active AND u.role = CASE NEW.scope_approval_status
             WHEN 'DFO_APPROVAL_NEEDED' THEN 'DFO_APPROVER'::user_role ELSE 'HO_APPROVER'::user_role END;
      IF approvers IS NOT NULL THEN
        PERFORM notify_users(approvers, 'approval_requested',
          format('%s needs %s approval', NEW.turn_id,
                 CASE NEW.scope_approval_status WHEN 'DFO_APPROVAL_NEEDED' THEN 'DFO' ELSE 'HO' END),
          format('Scope for %s at %s: %s.', NEW.turn_id, prop.name, ctx ->> 'amount'), NEW, 'approval_requested',
          ctx);
      END IF;
    ELSIF NEW.scope_approval_status IN ('DFO_APPROVED', 'HO_APPROVED', 'REJECTED')
          AND NEW.scope_submitted_by IS NOT NULL THEN
      PERFORM notify_users(ARRAY[NEW.scope_submitted_by], 'approval_decided',
        format('%s scope %s', NEW.turn_id,
               CASE WHEN NEW.scope_approval_status = 'REJECTED' THEN 'rejected' ELSE 'approved' END),
        coalesce('Reason: ' || NEW.reject_reason, format('Approved amount: %s.', NEW.approved_turn_amount)),
        NEW, 'approval_decided', ctx);
    END IF;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER turns_workflow_events AFTER UPDATE OF stage_id, scope_approval_status ON turns
  FOR EACH ROW EXECUTE FUNCTION turn_workflow_events();

-- The lock-box code, for the users whose work needs it, with a VIEW audit row each time.
CREATE FUNCTION reveal_lock_box_code(p_turn uuid) RETURNS text
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  acting uuid := nullif(current_setting('app.current_user_id', true), '')::uuid;
  acting_role user_role := app_current_user_role();
  t record;
  allowed boolean;
BEGIN
  SELECT id, property_id, vendor_id, flooring_vendor_id, primary_lock_box_code INTO t FROM turns WHERE id = p_turn;
  IF t.id IS NULL OR acting_role IS NULL THEN
    RETURN NULL;
  END IF;
  allowed := acting_role IN ('SUPER_ADMIN', 'ADMIN', 'INSPECTOR')
    OR (acting_role IN ('PROPERTY_MANAGER', 'SR_PROPERTY_MANAGER')
        AND t.property_id IN (SELECT app_managed_property_ids()))
    OR (acting_role = 'VENDOR' AND app_current_vendor_id() IN (t.vendor_id, t.flooring_vendor_id));
  IF NOT allowed THEN
    RAISE EXCEPTION 'not allowed to see this lock-box code' USING ERRCODE = '42501';
  END IF;
  INSERT INTO audit_logs (table_name, record_id, action, user_id, user_email, user_name, user_role, ip_address,
                          user_agent, session_id, property_id, turn_id, vendor_id, context, metadata)
  SELECT 'turns', t.id, 'VIEW', u.id, u.email,
         coalesce(nullif(btrim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), ''), u.email),
         u.role::text, nullif(current_setting('app.ip_address', true), '')::inet,
         nullif(current_setting('app.user_agent', true), ''),
         nullif(current_setting('app.session_id', true), '')::uuid, t.property_id, t.id, t.vendor_id,
         'lock-box-reveal', jsonb_build_object('field', 'primary_lock_box_code')
  FROM users u WHERE u.id = acting;
  RETURN t.primary_lock_box_code;
END
$$;

DO $owners$
DECLARE
  f text;
BEGIN
  FOREACH f IN ARRAY ARRAY['turn_reapproval()', 'notify_users(uuid[], text, text, text, turns, text, jsonb)',
                           'turn_workflow_events()', 'reveal_lock_box_code(uuid)']
  LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO turns_definer', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
END
$owners$;
GRANT EXECUTE ON FUNCTION reveal_lock_box_code(uuid) TO turns_app;

SELECT set_config('app.current_user_id', '', true), set_config('app.context', '', true);
REVOKE CREATE ON SCHEMA public FROM turns_definer;
REVOKE turns_definer FROM CURRENT_USER;
