-- Vendor trades and markets, and the DFO approval threshold.
-- A vendor's trades are codes from a fixed list held in a TEXT[] with a CHECK, not a lookup
-- table: the list is short and changes only with the product (its labels live in the code,
-- turns.vendors.trades, and a new trade is a new migration replacing the CHECK), and an array
-- syncs to the clients as one column of the vendor's row, with no second table to shape, to
-- secure with RLS and to join. Markets are the names properties.market uses, free text like it.
-- GIN indexes serve the list filters (trades @> ARRAY['PAINT']).
-- workflow_settings gains dfo_approval_threshold: a scope submitted at or below it needs no
-- approver. The rule lives in turn_reapproval(), the trigger every change of a scope's
-- approval status passes through, so a submission and a grown approved scope are treated alike.
SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;  -- turn_reapproval() is turns_definer's to replace

ALTER TABLE vendors
  ADD COLUMN trades TEXT[] NOT NULL DEFAULT '{}' CONSTRAINT vendors_trades_known CHECK (
    trades <@ ARRAY['PAINT', 'FLOORING', 'APPLIANCES', 'PLUMBING', 'ELECTRICAL', 'HVAC', 'CLEANING',
                    'LANDSCAPING', 'ROOFING', 'GENERAL']::text[]
  ),
  ADD COLUMN markets TEXT[] NOT NULL DEFAULT '{}' CONSTRAINT vendors_markets_named CHECK (
    array_position(markets, NULL) IS NULL AND array_position(markets, '') IS NULL
  );
CREATE INDEX idx_vendors_trades ON vendors USING gin (trades);
CREATE INDEX idx_vendors_markets ON vendors USING gin (markets);
-- (Both roles already read every vendor column through their table grants; named here so the
-- grant survives a later narrowing to column grants.)
GRANT SELECT (trades, markets) ON vendors TO turns_app, turns_replication;

ALTER TABLE workflow_settings
  ADD COLUMN dfo_approval_threshold NUMERIC(10,2) NOT NULL DEFAULT 0,
  ADD CONSTRAINT workflow_settings_dfo_threshold CHECK (
    dfo_approval_threshold >= 0 AND dfo_approval_threshold <= ho_approval_threshold
  );

-- As in 0006_workflow, plus: a scope entering DFO approval at or below the DFO threshold is
-- approved at once (DFO_APPROVED, approved amount and date set, no approver named), so no
-- approver is asked; the audit row of the change shows the status it ends in.
CREATE OR REPLACE FUNCTION turn_reapproval() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  total numeric := coalesce(NEW.turn_amount, 0) + coalesce(NEW.change_order_amount, 0);
  limits record;
BEGIN
  SELECT ho_approval_threshold, dfo_approval_threshold INTO limits FROM workflow_settings;
  IF NEW.scope_approval_status IN ('DFO_APPROVED', 'HO_APPROVED')
     AND NEW.scope_approval_status IS NOT DISTINCT FROM OLD.scope_approval_status
     AND NEW.approved_turn_amount IS NOT NULL AND total > NEW.approved_turn_amount THEN
    NEW.scope_approval_status := CASE WHEN total > limits.ho_approval_threshold THEN 'HO_APPROVAL_NEEDED'
                                      ELSE 'DFO_APPROVAL_NEEDED' END::approval_status;
  END IF;
  IF NEW.scope_approval_status = 'DFO_APPROVAL_NEEDED'
     AND OLD.scope_approval_status IS DISTINCT FROM 'DFO_APPROVAL_NEEDED'
     AND total <= limits.dfo_approval_threshold THEN
    NEW.scope_approval_status := 'DFO_APPROVED';
    NEW.approved_turn_amount := total;
    NEW.scope_approved_date := (now() AT TIME ZONE 'UTC')::date;
  END IF;
  IF NEW.scope_approval_status IN ('DFO_APPROVAL_NEEDED', 'HO_APPROVAL_NEEDED')
     AND NEW.scope_approval_status IS DISTINCT FROM OLD.scope_approval_status THEN
    NEW.approval_requested_at := NOW();
  END IF;
  RETURN NEW;
END
$$;

REVOKE turns_definer FROM CURRENT_USER;
