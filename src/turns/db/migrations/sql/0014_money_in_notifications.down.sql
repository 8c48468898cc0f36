SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;  -- the trigger function is turns_definer's to replace

CREATE OR REPLACE FUNCTION turn_workflow_events() RETURNS trigger
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

DROP FUNCTION format_money(numeric);
REVOKE turns_definer FROM CURRENT_USER;
