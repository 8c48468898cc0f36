SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
CREATE OR REPLACE FUNCTION turn_reapproval() RETURNS trigger
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
ALTER TABLE workflow_settings
  DROP CONSTRAINT workflow_settings_dfo_threshold,
  DROP COLUMN dfo_approval_threshold;
DROP INDEX idx_vendors_markets;
DROP INDEX idx_vendors_trades;
ALTER TABLE vendors
  DROP COLUMN markets,
  DROP COLUMN trades;
REVOKE turns_definer FROM CURRENT_USER;
