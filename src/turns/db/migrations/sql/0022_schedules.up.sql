-- Vendor visits: when each vendor works on a turn.
-- A manager of the property (or an admin) proposes a date window to a vendor company; a user
-- of that company accepts it or counters with another window, which the manager confirms
-- (the counter becomes the window) or answers with a new proposal; the vendor marks the visit
-- done, the manager may cancel it. Every change of status or window tells the company's users
-- and the property's managers (never whoever made it), in the app and by e-mail.
SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO turns_definer;  -- needed to take ownership; revoked below

CREATE TABLE vendor_visits (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  turn_id UUID NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
  property_id UUID NOT NULL REFERENCES properties(id),
  vendor_id UUID NOT NULL REFERENCES vendors(id),
  starts_on DATE NOT NULL,
  ends_on DATE NOT NULL,
  status VARCHAR(10) NOT NULL DEFAULT 'PROPOSED'
    CHECK (status IN ('PROPOSED', 'ACCEPTED', 'COUNTERED', 'DONE', 'CANCELLED')),
  proposed_by UUID REFERENCES users(id),
  countered_starts_on DATE,
  countered_ends_on DATE,
  note VARCHAR(500),
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id),
  CONSTRAINT vendor_visits_window CHECK (ends_on >= starts_on),
  CONSTRAINT vendor_visits_counter CHECK (
    (status = 'COUNTERED') = (countered_starts_on IS NOT NULL)
    AND (countered_starts_on IS NULL) = (countered_ends_on IS NULL)
    AND countered_ends_on >= countered_starts_on
  )
);
CREATE INDEX idx_vendor_visits_turn ON vendor_visits (turn_id, starts_on);
CREATE INDEX idx_vendor_visits_vendor ON vendor_visits (vendor_id, starts_on);
CREATE INDEX idx_vendor_visits_property ON vendor_visits (property_id);
CREATE INDEX idx_vendor_visits_window ON vendor_visits (starts_on, ends_on);
CREATE TRIGGER update_vendor_visits_updated_at BEFORE INSERT OR UPDATE ON vendor_visits
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER audit_vendor_visits AFTER INSERT OR UPDATE OR DELETE ON vendor_visits
  FOR EACH ROW EXECUTE FUNCTION audit_row_change();
-- A visit's audit rows belong to its turn, property and vendor, like a scope line's (0018).
CREATE TRIGGER audit_logs_vendor_visit_context BEFORE INSERT ON audit_logs
  FOR EACH ROW WHEN (NEW.table_name = 'vendor_visits') EXECUTE FUNCTION audit_scope_line_context();

-- A visit belongs to its turn and vendor for good, on the turn's property; a vendor user
-- answers (accepts, counters, marks done) and changes nothing else.
CREATE FUNCTION vendor_visit_guard() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  answer CONSTANT text[] := '{status,countered_starts_on,countered_ends_on,note,version,updated_at,updated_by}';
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.property_id := (SELECT t.property_id FROM turns t WHERE t.id = NEW.turn_id);
    NEW.proposed_by := coalesce(NEW.proposed_by, app_current_user_id());
    RETURN NEW;
  END IF;
  NEW.turn_id := OLD.turn_id;
  NEW.vendor_id := OLD.vendor_id;
  IF app_current_user_role() = 'VENDOR' AND (
       (to_jsonb(NEW) - answer) IS DISTINCT FROM (to_jsonb(OLD) - answer)
       OR (NEW.status IS DISTINCT FROM OLD.status AND NEW.status NOT IN ('ACCEPTED', 'COUNTERED', 'DONE'))) THEN
    RAISE EXCEPTION 'a vendor only answers its visits and marks them done' USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER vendor_visits_guard BEFORE INSERT OR UPDATE ON vendor_visits
  FOR EACH ROW EXECUTE FUNCTION vendor_visit_guard();

-- A turn moved to another property takes its visits along.
CREATE FUNCTION vendor_visits_follow_turn() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  UPDATE vendor_visits SET property_id = NEW.property_id WHERE turn_id = NEW.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER turns_vendor_visits_follow AFTER UPDATE OF property_id ON turns
  FOR EACH ROW WHEN (NEW.property_id IS DISTINCT FROM OLD.property_id)
  EXECUTE FUNCTION vendor_visits_follow_turn();

-- Who hears about a visit: the vendor company's users and the property's managers, never the
-- one who made the change (notify_users, migration 0006), in the app and by e-mail
-- (template 'vendor_visit').
CREATE FUNCTION vendor_visit_events() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  turn turns;
  prop record;
  company text;
  recipients uuid[];
  visit_window text := to_char(NEW.starts_on, 'Dy DD Mon') || ' to ' || to_char(NEW.ends_on, 'Dy DD Mon YYYY');
  headline text;
BEGIN
  SELECT * INTO turn FROM turns WHERE id = NEW.turn_id;
  SELECT p.name, p.street_address, p.city, p.state, p.property_manager_id, p.sr_property_manager_id
    INTO prop FROM properties p WHERE p.id = NEW.property_id;
  SELECT v.company_name INTO company FROM vendors v WHERE v.id = NEW.vendor_id;
  headline := CASE
    WHEN TG_OP = 'INSERT' THEN format('%s is scheduled %s', company, visit_window)
    WHEN NEW.status = 'PROPOSED' THEN format('%s is asked for a new window: %s', company, visit_window)
    WHEN NEW.status = 'ACCEPTED' AND OLD.status = 'COUNTERED' THEN format('%s is confirmed %s', company, visit_window)
    WHEN NEW.status = 'ACCEPTED' THEN format('%s accepted %s', company, visit_window)
    WHEN NEW.status = 'COUNTERED' THEN format('%s proposes %s instead', company,
      to_char(NEW.countered_starts_on, 'Dy DD Mon') || ' to ' || to_char(NEW.countered_ends_on, 'Dy DD Mon YYYY'))
    WHEN NEW.status = 'DONE' THEN format('%s finished the visit', company)
    ELSE format('%s''s visit (%s) is cancelled', company, visit_window)
  END;
  SELECT array_agg(u.id) INTO recipients FROM users u
   WHERE u.role = 'VENDOR' AND u.vendor_id = NEW.vendor_id;
  PERFORM notify_users(coalesce(recipients, '{}') || ARRAY[prop.property_manager_id, prop.sr_property_manager_id],
    'vendor_visit', format('%s: %s', turn.turn_id, headline),
    format('%s at %s: %s.', turn.turn_id, concat_ws(', ', prop.street_address, prop.city, prop.state), headline),
    turn, 'vendor_visit',
    jsonb_build_object('turn_uuid', turn.id, 'turn_id', turn.turn_id, 'property_name', prop.name,
                       'address', concat_ws(', ', prop.street_address, prop.city, prop.state),
                       'vendor', company, 'status', NEW.status, 'headline', headline,
                       'starts_on', NEW.starts_on, 'ends_on', NEW.ends_on, 'note', NEW.note));
  RETURN NULL;
END
$$;
CREATE TRIGGER vendor_visits_events_insert AFTER INSERT ON vendor_visits
  FOR EACH ROW EXECUTE FUNCTION vendor_visit_events();
CREATE TRIGGER vendor_visits_events_update
  AFTER UPDATE OF status, starts_on, ends_on, countered_starts_on, countered_ends_on ON vendor_visits
  FOR EACH ROW WHEN ((NEW.status, NEW.starts_on, NEW.ends_on, NEW.countered_starts_on, NEW.countered_ends_on)
                     IS DISTINCT FROM (OLD.status, OLD.starts_on, OLD.ends_on, OLD.countered_starts_on,
                                       OLD.countered_ends_on))
  EXECUTE FUNCTION vendor_visit_events();

DO $owners$
DECLARE
  f text;
BEGIN
  FOREACH f IN ARRAY ARRAY['vendor_visit_guard()', 'vendor_visits_follow_turn()', 'vendor_visit_events()'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO turns_definer', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
END
$owners$;

-- Read as the turn is read, except that a vendor user reads only its company's visits;
-- proposed, changed and cancelled by admins and the property's managers; answered by the
-- vendor's users (the guard above keeps them to that). Never deleted: a visit is cancelled.
GRANT SELECT, INSERT, UPDATE ON vendor_visits TO turns_app;
GRANT SELECT, UPDATE ON vendor_visits TO turns_definer;
ALTER TABLE vendor_visits ENABLE ROW LEVEL SECURITY;
ALTER TABLE vendor_visits FORCE ROW LEVEL SECURITY;
CREATE POLICY vendor_visits_select ON vendor_visits FOR SELECT USING (
  EXISTS (SELECT 1 FROM turns t WHERE t.id = vendor_visits.turn_id)
  AND ((SELECT app_current_user_role()) <> 'VENDOR' OR vendor_id = (SELECT app_current_vendor_id()))
);
CREATE POLICY vendor_visits_insert ON vendor_visits FOR INSERT WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
  OR EXISTS (SELECT 1 FROM turns t WHERE t.id = vendor_visits.turn_id
                                     AND t.property_id IN (SELECT app_managed_property_ids()))
);
CREATE POLICY vendor_visits_update ON vendor_visits FOR UPDATE USING (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
  OR EXISTS (SELECT 1 FROM turns t WHERE t.id = vendor_visits.turn_id
                                     AND t.property_id IN (SELECT app_managed_property_ids()))
  OR (vendor_id = (SELECT app_current_vendor_id()) AND EXISTS (SELECT 1 FROM turns t WHERE t.id = vendor_visits.turn_id))
) WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
  OR EXISTS (SELECT 1 FROM turns t WHERE t.id = vendor_visits.turn_id
                                     AND t.property_id IN (SELECT app_managed_property_ids()))
  OR vendor_id = (SELECT app_current_vendor_id())
);
CREATE POLICY vendor_visits_definer ON vendor_visits FOR ALL TO turns_definer USING (true) WITH CHECK (true);

-- Synced like the scope lines: the replication role reads every visit (it filters per user).
ALTER TABLE vendor_visits REPLICA IDENTITY FULL;
ALTER PUBLICATION electric_publication ADD TABLE vendor_visits;
GRANT SELECT ON vendor_visits TO turns_replication;
CREATE POLICY vendor_visits_replication ON vendor_visits FOR SELECT TO turns_replication USING (true);

REVOKE CREATE ON SCHEMA public FROM turns_definer;
REVOKE turns_definer FROM CURRENT_USER;
