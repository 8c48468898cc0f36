-- Scope of work: a turn's scope as line items.
-- Each line names a trade, what is done, a quantity and a unit cost (its amount is their
-- product in cents), the vendor doing it and what of it is charged back to the resident.
-- Whenever a turn has lines, its turn_amount is their sum, kept by a trigger so every writer
-- agrees; the approval rules (migration 0006: DFO, HO above the threshold, re-approval when
-- the total grows past the approved amount) then apply to that sum unchanged. When a scope is
-- approved each line keeps its amount as approved_amount, and a removed line that was approved
-- stays (removed_at set) until the next approval, so the approver sees what changed.
SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO turns_definer;  -- needed to take ownership; revoked below

CREATE TABLE scope_lines (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  turn_id UUID NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
  property_id UUID NOT NULL REFERENCES properties(id),
  position INTEGER NOT NULL DEFAULT 0 CHECK (position BETWEEN 0 AND 10000),
  trade VARCHAR(20) NOT NULL CHECK (trade IN ('PAINT', 'FLOORING', 'APPLIANCES', 'PLUMBING', 'ELECTRICAL',
                                              'HVAC', 'CLEANING', 'LANDSCAPING', 'ROOFING', 'GENERAL')),
  description VARCHAR(500) NOT NULL CHECK (btrim(description) <> ''),
  quantity NUMERIC(10, 2) NOT NULL CHECK (quantity > 0 AND quantity <= 100000),
  unit VARCHAR(10) NOT NULL DEFAULT 'each'
    CHECK (unit IN ('each', 'sq ft', 'sq yd', 'ln ft', 'hour', 'room', 'lot')),
  unit_cost NUMERIC(10, 2) NOT NULL CHECK (unit_cost >= 0 AND unit_cost <= 1000000),
  amount NUMERIC(12, 2) NOT NULL CHECK (amount <= 1000000),  -- quantity x unit cost, set by the guard
  vendor_id UUID REFERENCES vendors(id),
  chargeback BOOLEAN NOT NULL DEFAULT false,
  chargeback_amount NUMERIC(12, 2) CHECK (chargeback_amount >= 0 AND chargeback_amount <= amount),
  approved_amount NUMERIC(12, 2),
  status VARCHAR(10) NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'DONE')),
  done_at TIMESTAMPTZ CHECK ((status = 'DONE') = (done_at IS NOT NULL)),
  removed_at TIMESTAMPTZ,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id)
);
CREATE INDEX idx_scope_lines_turn ON scope_lines (turn_id, position);
CREATE INDEX idx_scope_lines_property ON scope_lines (property_id);
CREATE INDEX idx_scope_lines_vendor ON scope_lines (vendor_id);
CREATE TRIGGER update_scope_lines_updated_at BEFORE INSERT OR UPDATE ON scope_lines
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER audit_scope_lines AFTER INSERT OR UPDATE OR DELETE ON scope_lines
  FOR EACH ROW EXECUTE FUNCTION audit_row_change();

-- A line's amount is its quantity times its unit cost, in cents (a trigger rather than a generated
-- column, which logical replication before PostgreSQL 18 does not carry); a line belongs to its
-- turn for good, on the turn's property; a vendor user changes only whether its own line is done.
CREATE FUNCTION scope_line_guard() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  NEW.amount := round(NEW.quantity * NEW.unit_cost, 2);
  IF TG_OP = 'INSERT' THEN
    NEW.property_id := (SELECT t.property_id FROM turns t WHERE t.id = NEW.turn_id);
    NEW.approved_amount := NULL;
    NEW.removed_at := NULL;
    RETURN NEW;
  END IF;
  NEW.turn_id := OLD.turn_id;
  IF app_current_user_role() = 'VENDOR'
     AND (to_jsonb(NEW) - '{status,done_at,version,updated_at,updated_by}'::text[])
         IS DISTINCT FROM (to_jsonb(OLD) - '{status,done_at,version,updated_at,updated_by}'::text[]) THEN
    RAISE EXCEPTION 'a vendor only marks its lines done' USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER scope_lines_guard BEFORE INSERT OR UPDATE ON scope_lines
  FOR EACH ROW EXECUTE FUNCTION scope_line_guard();

-- The turn amount is the sum of the lines still in the scope (NULL when none is left). The turn
-- is locked first, so concurrent writers of one scope add up in turn; the UPDATE goes through the
-- turn's own triggers (version, audit, re-approval when the sum grows past the approved amount).
CREATE FUNCTION scope_lines_total() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  turn uuid := coalesce(NEW.turn_id, OLD.turn_id);
  total numeric;
BEGIN
  PERFORM 1 FROM turns WHERE id = turn FOR UPDATE;
  SELECT sum(amount) INTO total FROM scope_lines WHERE turn_id = turn AND removed_at IS NULL;
  IF total > 99999999.99 THEN
    RAISE EXCEPTION 'the scope''s total would exceed 99,999,999.99' USING ERRCODE = '23514',
      TABLE = 'scope_lines', COLUMN = 'amount';
  END IF;
  UPDATE turns SET turn_amount = total WHERE id = turn AND turn_amount IS DISTINCT FROM total;
  RETURN NULL;
END
$$;
CREATE TRIGGER scope_lines_total_insert AFTER INSERT ON scope_lines
  FOR EACH ROW EXECUTE FUNCTION scope_lines_total();
CREATE TRIGGER scope_lines_total_update AFTER UPDATE OF quantity, unit_cost, removed_at ON scope_lines
  FOR EACH ROW EXECUTE FUNCTION scope_lines_total();
CREATE TRIGGER scope_lines_total_delete AFTER DELETE ON scope_lines
  FOR EACH ROW WHEN (OLD.removed_at IS NULL) EXECUTE FUNCTION scope_lines_total();

-- No other write sets a turn amount that is not the sum of its lines.
CREATE FUNCTION turn_amount_from_lines() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  total numeric;
BEGIN
  IF NEW.turn_amount IS DISTINCT FROM OLD.turn_amount
     AND EXISTS (SELECT 1 FROM scope_lines WHERE turn_id = NEW.id AND removed_at IS NULL) THEN
    SELECT sum(amount) INTO total FROM scope_lines WHERE turn_id = NEW.id AND removed_at IS NULL;
    IF NEW.turn_amount IS DISTINCT FROM total THEN
      RAISE EXCEPTION 'the turn amount is the sum of its scope lines (%)', total USING ERRCODE = '23514',
        TABLE = 'turns', COLUMN = 'turn_amount';
    END IF;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER turns_amount_from_lines BEFORE UPDATE OF turn_amount ON turns
  FOR EACH ROW EXECUTE FUNCTION turn_amount_from_lines();

-- A turn's lines follow it: onto its new property, and, when its scope is approved, each line's
-- amount becomes its approved amount and the lines removed before the approval go for good.
CREATE FUNCTION scope_lines_follow_turn() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  IF NEW.property_id IS DISTINCT FROM OLD.property_id THEN
    UPDATE scope_lines SET property_id = NEW.property_id WHERE turn_id = NEW.id;
  END IF;
  IF NEW.scope_approval_status IN ('DFO_APPROVED', 'HO_APPROVED')
     AND NEW.scope_approval_status IS DISTINCT FROM OLD.scope_approval_status THEN
    DELETE FROM scope_lines WHERE turn_id = NEW.id AND removed_at IS NOT NULL;
    UPDATE scope_lines SET approved_amount = amount
     WHERE turn_id = NEW.id AND approved_amount IS DISTINCT FROM amount;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER turns_scope_lines_follow AFTER UPDATE OF property_id, scope_approval_status ON turns
  FOR EACH ROW EXECUTE FUNCTION scope_lines_follow_turn();

-- A line's audit rows belong to its turn, property and vendor, so whoever reads the turn's trail
-- (audit_logs_select) reads the changes of its scope too.
CREATE FUNCTION audit_scope_line_context() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  line jsonb := coalesce(NEW.new_values, NEW.old_values);
BEGIN
  NEW.turn_id := (line ->> 'turn_id')::uuid;
  NEW.property_id := (line ->> 'property_id')::uuid;
  NEW.vendor_id := (line ->> 'vendor_id')::uuid;
  RETURN NEW;
END
$$;
CREATE TRIGGER audit_logs_scope_line_context BEFORE INSERT ON audit_logs
  FOR EACH ROW WHEN (NEW.table_name = 'scope_lines') EXECUTE FUNCTION audit_scope_line_context();

DO $owners$
DECLARE
  f text;
BEGIN
  FOREACH f IN ARRAY ARRAY['scope_line_guard()', 'turn_amount_from_lines()', 'scope_lines_follow_turn()'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO turns_definer', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
END
$owners$;

-- Read as the turn is read, except that a vendor user reads only its company's lines; written
-- by admins and the property's managers; a vendor user marks its own lines done (the guard
-- above keeps it to that).
GRANT SELECT, INSERT, UPDATE, DELETE ON scope_lines TO turns_app;
GRANT SELECT, UPDATE, DELETE ON scope_lines TO turns_definer;
ALTER TABLE scope_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE scope_lines FORCE ROW LEVEL SECURITY;
CREATE POLICY scope_lines_select ON scope_lines FOR SELECT USING (
  EXISTS (SELECT 1 FROM turns t WHERE t.id = scope_lines.turn_id)
  AND ((SELECT app_current_user_role()) <> 'VENDOR' OR vendor_id = (SELECT app_current_vendor_id()))
);
CREATE POLICY scope_lines_insert ON scope_lines FOR INSERT WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
  OR EXISTS (SELECT 1 FROM turns t WHERE t.id = scope_lines.turn_id
                                     AND t.property_id IN (SELECT app_managed_property_ids()))
);
CREATE POLICY scope_lines_update ON scope_lines FOR UPDATE USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
  OR EXISTS (SELECT 1 FROM turns t WHERE t.id = scope_lines.turn_id
                                     AND t.property_id IN (SELECT app_managed_property_ids()))
  OR (vendor_id = (SELECT app_current_vendor_id()) AND EXISTS (SELECT 1 FROM turns t WHERE t.id = scope_lines.turn_id))
) WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
  OR EXISTS (SELECT 1 FROM turns t WHERE t.id = scope_lines.turn_id
                                     AND t.property_id IN (SELECT app_managed_property_ids()))
  OR vendor_id = (SELECT app_current_vendor_id())
);
CREATE POLICY scope_lines_delete ON scope_lines FOR DELETE USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
  OR EXISTS (SELECT 1 FROM turns t WHERE t.id = scope_lines.turn_id
                                     AND t.property_id IN (SELECT app_managed_property_ids()))
);
CREATE POLICY scope_lines_definer ON scope_lines FOR ALL TO turns_definer USING (true) WITH CHECK (true);

-- Synced like the stage history: the replication role reads every line (it filters per user).
ALTER TABLE scope_lines REPLICA IDENTITY FULL;
ALTER PUBLICATION electric_publication ADD TABLE scope_lines;
GRANT SELECT ON scope_lines TO turns_replication;
CREATE POLICY scope_lines_replication ON scope_lines FOR SELECT TO turns_replication USING (true);

REVOKE CREATE ON SCHEMA public FROM turns_definer;
REVOKE turns_definer FROM CURRENT_USER;
