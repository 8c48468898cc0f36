-- Move-out inspections. An inspector or the property's manager walks the empty home with a
-- template (areas x items: "Kitchen" / "Cabinets", each with the trade and unit of the scope line
-- it would become) and records each item's condition: OK, CLEAN, REPAIR or REPLACE, with a note,
-- a quantity and photos (rows of photos with subject 'inspection' and subject_id = the result).
-- Finishing the inspection proposes a scope line, unpriced, for every item marked for work.
-- Read as the turn is read, except by vendor users: an inspection records the resident's damage
-- and what is charged back, and a vendor reads only its own lines of the scope. Written by
-- inspectors, the property's managers and admins; templates read by everyone signed in,
-- written by admins. One inspection in progress per turn at a time.
SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO turns_definer;  -- needed to take ownership; revoked below

CREATE TABLE inspection_templates (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  name VARCHAR(100) NOT NULL UNIQUE CHECK (btrim(name) <> ''),
  kind VARCHAR(20) NOT NULL CHECK (kind IN ('SINGLE_FAMILY', 'APARTMENT', 'OTHER')),
  is_active BOOLEAN NOT NULL DEFAULT true,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id)
);

CREATE TABLE inspection_template_items (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  template_id UUID NOT NULL REFERENCES inspection_templates(id) ON DELETE CASCADE,
  area VARCHAR(60) NOT NULL CHECK (btrim(area) <> ''),
  item VARCHAR(100) NOT NULL CHECK (btrim(item) <> ''),
  trade VARCHAR(20) NOT NULL CHECK (trade IN ('PAINT', 'FLOORING', 'APPLIANCES', 'PLUMBING', 'ELECTRICAL',
                                              'HVAC', 'CLEANING', 'LANDSCAPING', 'ROOFING', 'GENERAL')),
  unit VARCHAR(10) NOT NULL DEFAULT 'each'
    CHECK (unit IN ('each', 'sq ft', 'sq yd', 'ln ft', 'hour', 'room', 'lot')),
  position INTEGER NOT NULL DEFAULT 0 CHECK (position BETWEEN 0 AND 10000),
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id),
  UNIQUE (template_id, area, item)
);
CREATE INDEX idx_inspection_template_items_template ON inspection_template_items (template_id, position);

CREATE TABLE inspections (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  turn_id UUID NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
  property_id UUID NOT NULL REFERENCES properties(id),
  template_id UUID NOT NULL REFERENCES inspection_templates(id),
  kind VARCHAR(20) NOT NULL DEFAULT 'MOVE_OUT' CHECK (kind IN ('MOVE_OUT')),
  status VARCHAR(12) NOT NULL DEFAULT 'IN_PROGRESS' CHECK (status IN ('IN_PROGRESS', 'FINISHED')),
  inspector_id UUID NOT NULL REFERENCES users(id),
  started_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  finished_at TIMESTAMPTZ CHECK ((status = 'FINISHED') = (finished_at IS NOT NULL)),
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id)
);
CREATE INDEX idx_inspections_turn ON inspections (turn_id, started_at);
CREATE INDEX idx_inspections_property ON inspections (property_id);
CREATE UNIQUE INDEX inspections_one_in_progress ON inspections (turn_id) WHERE status = 'IN_PROGRESS';

-- One result per item of an inspection, so a device replaying its queue never adds a second.
CREATE TABLE inspection_results (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  inspection_id UUID NOT NULL REFERENCES inspections(id) ON DELETE CASCADE,
  turn_id UUID NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
  template_item_id UUID NOT NULL REFERENCES inspection_template_items(id),
  condition VARCHAR(10) NOT NULL CHECK (condition IN ('OK', 'CLEAN', 'REPAIR', 'REPLACE')),
  note VARCHAR(500),
  quantity NUMERIC(10, 2) NOT NULL DEFAULT 1 CHECK (quantity > 0 AND quantity <= 100000),
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id),
  UNIQUE (inspection_id, template_item_id)
);
CREATE INDEX idx_inspection_results_turn ON inspection_results (turn_id);

DO $bookkeeping$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['inspection_templates', 'inspection_template_items', 'inspections', 'inspection_results'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()',
                   'update_' || t || '_updated_at', t);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION audit_row_change()',
                   'audit_' || t, t);
  END LOOP;
END
$bookkeeping$;

-- An inspection stays on its turn, template and inspector, on the turn's property.
CREATE FUNCTION inspection_guard() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    NEW.turn_id := OLD.turn_id;
    NEW.template_id := OLD.template_id;
    NEW.kind := OLD.kind;
    NEW.started_at := OLD.started_at;
    NEW.inspector_id := OLD.inspector_id;
  END IF;
  NEW.property_id := (SELECT t.property_id FROM turns t WHERE t.id = NEW.turn_id);
  RETURN NEW;
END
$$;
CREATE TRIGGER inspections_guard BEFORE INSERT OR UPDATE ON inspections
  FOR EACH ROW EXECUTE FUNCTION inspection_guard();

-- A result is of an item of its inspection's template, on its inspection's turn, and changes
-- no more once the inspection is finished (its lines are proposed from what it was then).
CREATE FUNCTION inspection_result_guard() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  parent inspections%ROWTYPE;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    NEW.inspection_id := OLD.inspection_id;
    NEW.template_item_id := OLD.template_item_id;
  END IF;
  SELECT * INTO parent FROM inspections WHERE id = NEW.inspection_id;
  IF parent.status = 'FINISHED' THEN
    RAISE EXCEPTION 'the inspection is finished; its results no longer change' USING ERRCODE = '23514',
      TABLE = 'inspection_results', COLUMN = 'inspection_id';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM inspection_template_items i
                  WHERE i.id = NEW.template_item_id AND i.template_id = parent.template_id) THEN
    RAISE EXCEPTION 'the item is not on the inspection''s template' USING ERRCODE = '23514',
      TABLE = 'inspection_results', COLUMN = 'template_item_id';
  END IF;
  NEW.turn_id := parent.turn_id;
  RETURN NEW;
END
$$;
CREATE TRIGGER inspection_results_guard BEFORE INSERT OR UPDATE ON inspection_results
  FOR EACH ROW EXECUTE FUNCTION inspection_result_guard();

-- A turn's inspections follow it onto its new property.
CREATE FUNCTION inspections_follow_turn() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  UPDATE inspections SET property_id = NEW.property_id WHERE turn_id = NEW.id;
  RETURN NULL;
END
$$;
ALTER FUNCTION inspections_follow_turn() OWNER TO turns_definer;
REVOKE ALL ON FUNCTION inspections_follow_turn() FROM PUBLIC;
CREATE TRIGGER turns_inspections_follow AFTER UPDATE OF property_id ON turns
  FOR EACH ROW WHEN (NEW.property_id IS DISTINCT FROM OLD.property_id) EXECUTE FUNCTION inspections_follow_turn();

-- An inspection's audit rows belong to its turn and property, so whoever reads the turn's trail
-- reads its inspections' too.
CREATE FUNCTION audit_inspection_context() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  turn uuid := (coalesce(NEW.new_values, NEW.old_values) ->> 'turn_id')::uuid;
BEGIN
  NEW.turn_id := turn;
  NEW.property_id := (SELECT t.property_id FROM turns t WHERE t.id = turn);
  RETURN NEW;
END
$$;
CREATE TRIGGER audit_logs_inspection_context BEFORE INSERT ON audit_logs
  FOR EACH ROW WHEN (NEW.table_name IN ('inspections', 'inspection_results'))
  EXECUTE FUNCTION audit_inspection_context();

-- Two templates to start from; admins change them or add their own.
WITH template AS (
  INSERT INTO inspection_templates (name, kind) VALUES ('Single-family home', 'SINGLE_FAMILY') RETURNING id
)
INSERT INTO inspection_template_items (template_id, area, item, trade, unit, position)
SELECT template.id, v.area, v.item, v.trade, v.unit, v.position FROM template, (VALUES
  ('Exterior', 'Front door & locks', 'GENERAL', 'each', 0),
  ('Exterior', 'Siding & trim', 'PAINT', 'ln ft', 10),
  ('Exterior', 'Yard & landscaping', 'LANDSCAPING', 'lot', 20),
  ('Exterior', 'Gutters & roof edge', 'ROOFING', 'ln ft', 30),
  ('Exterior', 'Exterior lights', 'ELECTRICAL', 'each', 40),
  ('Living areas', 'Walls & ceilings', 'PAINT', 'room', 50),
  ('Living areas', 'Flooring', 'FLOORING', 'sq ft', 60),
  ('Living areas', 'Windows & blinds', 'GENERAL', 'each', 70),
  ('Living areas', 'Light fixtures & outlets', 'ELECTRICAL', 'each', 80),
  ('Living areas', 'Smoke & CO detectors', 'ELECTRICAL', 'each', 90),
  ('Kitchen', 'Cabinets', 'GENERAL', 'each', 100),
  ('Kitchen', 'Countertops', 'GENERAL', 'ln ft', 110),
  ('Kitchen', 'Sink & faucet', 'PLUMBING', 'each', 120),
  ('Kitchen', 'Refrigerator', 'APPLIANCES', 'each', 130),
  ('Kitchen', 'Range & oven', 'APPLIANCES', 'each', 140),
  ('Kitchen', 'Dishwasher', 'APPLIANCES', 'each', 150),
  ('Kitchen', 'Microwave & hood', 'APPLIANCES', 'each', 160),
  ('Kitchen', 'Flooring', 'FLOORING', 'sq ft', 170),
  ('Bedrooms', 'Walls & ceilings', 'PAINT', 'room', 180),
  ('Bedrooms', 'Flooring', 'FLOORING', 'sq ft', 190),
  ('Bedrooms', 'Doors & closets', 'GENERAL', 'each', 200),
  ('Bedrooms', 'Windows & blinds', 'GENERAL', 'each', 210),
  ('Bathrooms', 'Toilet', 'PLUMBING', 'each', 220),
  ('Bathrooms', 'Tub & shower', 'PLUMBING', 'each', 230),
  ('Bathrooms', 'Vanity & sink', 'PLUMBING', 'each', 240),
  ('Bathrooms', 'Mirror & fixtures', 'GENERAL', 'each', 250),
  ('Bathrooms', 'Exhaust fan', 'ELECTRICAL', 'each', 260),
  ('Bathrooms', 'Caulk & grout', 'GENERAL', 'ln ft', 270),
  ('Laundry & utility', 'Washer & dryer hook-ups', 'PLUMBING', 'each', 280),
  ('Laundry & utility', 'Water heater', 'PLUMBING', 'each', 290),
  ('Laundry & utility', 'HVAC system & filter', 'HVAC', 'each', 300),
  ('Laundry & utility', 'Electrical panel', 'ELECTRICAL', 'each', 310),
  ('Garage', 'Garage door & opener', 'GENERAL', 'each', 320),
  ('Garage', 'Floor & walls', 'GENERAL', 'lot', 330),
  ('Whole home', 'Cleaning', 'CLEANING', 'lot', 340),
  ('Whole home', 'Trash-out', 'CLEANING', 'lot', 350),
  ('Whole home', 'Pest signs', 'GENERAL', 'lot', 360),
  ('Whole home', 'Keys & remotes', 'GENERAL', 'each', 370)
) AS v (area, item, trade, unit, position);
WITH template AS (
  INSERT INTO inspection_templates (name, kind) VALUES ('Apartment', 'APARTMENT') RETURNING id
)
INSERT INTO inspection_template_items (template_id, area, item, trade, unit, position)
SELECT template.id, v.area, v.item, v.trade, v.unit, v.position FROM template, (VALUES
  ('Entry', 'Front door & locks', 'GENERAL', 'each', 0),
  ('Entry', 'Doorbell & peephole', 'GENERAL', 'each', 10),
  ('Entry', 'Coat closet', 'GENERAL', 'each', 20),
  ('Living room', 'Walls & ceilings', 'PAINT', 'room', 30),
  ('Living room', 'Flooring', 'FLOORING', 'sq ft', 40),
  ('Living room', 'Windows & blinds', 'GENERAL', 'each', 50),
  ('Living room', 'Light fixtures & outlets', 'ELECTRICAL', 'each', 60),
  ('Kitchen', 'Cabinets', 'GENERAL', 'each', 70),
  ('Kitchen', 'Countertops', 'GENERAL', 'ln ft', 80),
  ('Kitchen', 'Sink & faucet', 'PLUMBING', 'each', 90),
  ('Kitchen', 'Refrigerator', 'APPLIANCES', 'each', 100),
  ('Kitchen', 'Range & oven', 'APPLIANCES', 'each', 110),
  ('Kitchen', 'Dishwasher', 'APPLIANCES', 'each', 120),
  ('Kitchen', 'Microwave', 'APPLIANCES', 'each', 130),
  ('Kitchen', 'Flooring', 'FLOORING', 'sq ft', 140),
  ('Bedroom', 'Walls & ceilings', 'PAINT', 'room', 150),
  ('Bedroom', 'Flooring', 'FLOORING', 'sq ft', 160),
  ('Bedroom', 'Doors & closets', 'GENERAL', 'each', 170),
  ('Bedroom', 'Windows & blinds', 'GENERAL', 'each', 180),
  ('Bathroom', 'Toilet', 'PLUMBING', 'each', 190),
  ('Bathroom', 'Tub & shower', 'PLUMBING', 'each', 200),
  ('Bathroom', 'Vanity & sink', 'PLUMBING', 'each', 210),
  ('Bathroom', 'Mirror & fixtures', 'GENERAL', 'each', 220),
  ('Bathroom', 'Exhaust fan', 'ELECTRICAL', 'each', 230),
  ('Laundry', 'Washer & dryer', 'APPLIANCES', 'each', 240),
  ('Laundry', 'Dryer vent', 'HVAC', 'each', 250),
  ('Balcony / patio', 'Railing & surface', 'GENERAL', 'lot', 260),
  ('Balcony / patio', 'Sliding door', 'GENERAL', 'each', 270),
  ('Whole unit', 'HVAC & filter', 'HVAC', 'each', 280),
  ('Whole unit', 'Smoke & CO detectors', 'ELECTRICAL', 'each', 290),
  ('Whole unit', 'Water heater', 'PLUMBING', 'each', 300),
  ('Whole unit', 'Cleaning', 'CLEANING', 'lot', 310),
  ('Whole unit', 'Trash-out', 'CLEANING', 'lot', 320),
  ('Whole unit', 'Keys & fobs', 'GENERAL', 'each', 330)
) AS v (area, item, trade, unit, position);

-- Templates: read by everyone signed in, written by admins.
GRANT SELECT, INSERT, UPDATE, DELETE ON inspection_templates, inspection_template_items TO turns_app;
ALTER TABLE inspection_templates ENABLE ROW LEVEL SECURITY;
ALTER TABLE inspection_templates FORCE ROW LEVEL SECURITY;
ALTER TABLE inspection_template_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE inspection_template_items FORCE ROW LEVEL SECURITY;
CREATE POLICY inspection_templates_select ON inspection_templates FOR SELECT
  USING ((SELECT app_current_user_role()) IS NOT NULL);
CREATE POLICY inspection_templates_write ON inspection_templates FOR ALL
  USING ((SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN'))
  WITH CHECK ((SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN'));
CREATE POLICY inspection_template_items_select ON inspection_template_items FOR SELECT
  USING ((SELECT app_current_user_role()) IS NOT NULL);
CREATE POLICY inspection_template_items_write ON inspection_template_items FOR ALL
  USING ((SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN'))
  WITH CHECK ((SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN'));

-- Inspections and their results: read as the turn is read (not by vendor users); written by
-- inspectors and admins on any turn they read, by managers on the turns of their properties;
-- removed by admins only (and with their turn).
GRANT SELECT, INSERT, UPDATE, DELETE ON inspections, inspection_results TO turns_app;
GRANT SELECT, UPDATE ON inspections TO turns_definer;
DO $policies$
DECLARE
  t text;
  reads text;
  writes text;
BEGIN
  FOREACH t IN ARRAY ARRAY['inspections', 'inspection_results'] LOOP
    reads := format('(SELECT app_current_user_role()) <> ''VENDOR''
      AND EXISTS (SELECT 1 FROM turns t WHERE t.id = %I.turn_id)', t);
    writes := format('((SELECT app_current_user_role()) IN (''SUPER_ADMIN'', ''ADMIN'', ''INSPECTOR'')
        AND EXISTS (SELECT 1 FROM turns t WHERE t.id = %1$I.turn_id))
      OR EXISTS (SELECT 1 FROM turns t WHERE t.id = %1$I.turn_id
                                        AND t.property_id IN (SELECT app_managed_property_ids()))', t);
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I FOR SELECT USING (%s)', t || '_select', t, reads);
    EXECUTE format('CREATE POLICY %I ON %I FOR INSERT WITH CHECK (%s)', t || '_insert', t, writes);
    EXECUTE format('CREATE POLICY %I ON %I FOR UPDATE USING (%s) WITH CHECK (%s)', t || '_update', t, writes, writes);
    EXECUTE format('CREATE POLICY %I ON %I FOR DELETE USING ((SELECT app_current_user_role()) IN (''SUPER_ADMIN'', ''ADMIN''))',
                   t || '_delete', t);
    -- Synced like the stage history: the replication role reads every row, the sync engine decides per user.
    EXECUTE format('ALTER TABLE %I REPLICA IDENTITY FULL', t);
    EXECUTE format('ALTER PUBLICATION electric_publication ADD TABLE %I', t);
    EXECUTE format('GRANT SELECT ON %I TO turns_replication', t);
    EXECUTE format('CREATE POLICY %I ON %I FOR SELECT TO turns_replication USING (true)', t || '_replication', t);
  END LOOP;
END
$policies$;
CREATE POLICY inspections_definer ON inspections FOR ALL TO turns_definer USING (true) WITH CHECK (true);

-- Finishing an inspection proposes scope lines as its inspector: an inspector adds lines to a
-- turn it reads, unpriced and unassigned, for the property's manager to price.
CREATE POLICY scope_lines_proposed ON scope_lines FOR INSERT WITH CHECK (
  (SELECT app_current_user_role()) = 'INSPECTOR'
  AND unit_cost = 0 AND vendor_id IS NULL AND NOT chargeback AND chargeback_amount IS NULL
  AND EXISTS (SELECT 1 FROM turns t WHERE t.id = scope_lines.turn_id)
);

REVOKE CREATE ON SCHEMA public FROM turns_definer;
REVOKE turns_definer FROM CURRENT_USER;
