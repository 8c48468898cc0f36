-- Bids: for large lines a manager asks two or three vendors to quote before choosing one.
-- A bid request covers some lines of one turn's scope (bid_request_lines keeps what was asked:
-- trade, description, quantity and unit, since an invited vendor does not read the turn's
-- scope) and is due on a date. Each invited vendor has one bid; it prices every line
-- (bid_prices: unit cost, amount = quantity x unit cost) or declines, while the request is open
-- and until the end of its due date. Awarding marks the winner AWARDED and the other open bids
-- LOST, and sets vendor and unit cost on the covered lines, in the awarding transaction (the
-- turn amount follows by the scope lines' trigger, migration 0018).
-- Who reads: admins, approvers and the property's managers every row of their turns; a vendor
-- user its company's bids and prices, and the requests and lines they cover. Who writes: admins
-- and the property's managers the requests and invitations; a vendor user its own prices and
-- its bid's answer, checked by the guards below.
SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO turns_definer;  -- needed to take ownership; revoked below

CREATE TABLE bid_requests (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  turn_id UUID NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
  property_id UUID NOT NULL REFERENCES properties(id),
  requested_by UUID NOT NULL REFERENCES users(id),
  due_date DATE NOT NULL,
  note VARCHAR(1000),
  status VARCHAR(10) NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'AWARDED', 'CANCELLED')),
  awarded_bid_id UUID,
  turn_code VARCHAR(50) NOT NULL,  -- the turn's name and address, for vendors who do not read the turn
  address VARCHAR(500) NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id),
  CHECK ((status = 'AWARDED') = (awarded_bid_id IS NOT NULL))
);
CREATE INDEX idx_bid_requests_turn ON bid_requests (turn_id, created_at);

CREATE TABLE bid_request_lines (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  request_id UUID NOT NULL REFERENCES bid_requests(id) ON DELETE CASCADE,
  scope_line_id UUID NOT NULL REFERENCES scope_lines(id) ON DELETE CASCADE,
  turn_id UUID NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
  trade VARCHAR(20) NOT NULL,
  description VARCHAR(500) NOT NULL,
  quantity NUMERIC(10, 2) NOT NULL,
  unit VARCHAR(10) NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id),
  UNIQUE (request_id, scope_line_id)
);
CREATE INDEX idx_bid_request_lines_turn ON bid_request_lines (turn_id);
CREATE INDEX idx_bid_request_lines_line ON bid_request_lines (scope_line_id);

CREATE TABLE bids (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  request_id UUID NOT NULL REFERENCES bid_requests(id) ON DELETE CASCADE,
  turn_id UUID NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
  vendor_id UUID NOT NULL REFERENCES vendors(id),
  status VARCHAR(10) NOT NULL DEFAULT 'INVITED'
    CHECK (status IN ('INVITED', 'SUBMITTED', 'DECLINED', 'AWARDED', 'LOST')),
  submitted_at TIMESTAMPTZ,
  note VARCHAR(1000),
  total NUMERIC(12, 2) CHECK (total >= 0),
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id),
  UNIQUE (request_id, vendor_id)
);
CREATE INDEX idx_bids_turn ON bids (turn_id);
CREATE INDEX idx_bids_vendor ON bids (vendor_id, status);
ALTER TABLE bid_requests ADD CONSTRAINT bid_requests_awarded_bid_id_fkey
  FOREIGN KEY (awarded_bid_id) REFERENCES bids(id);

CREATE TABLE bid_prices (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  bid_id UUID NOT NULL REFERENCES bids(id) ON DELETE CASCADE,
  scope_line_id UUID NOT NULL REFERENCES scope_lines(id) ON DELETE CASCADE,
  request_id UUID NOT NULL REFERENCES bid_requests(id) ON DELETE CASCADE,
  turn_id UUID NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
  vendor_id UUID NOT NULL REFERENCES vendors(id),
  unit_cost NUMERIC(10, 2) NOT NULL CHECK (unit_cost >= 0 AND unit_cost <= 1000000),
  amount NUMERIC(12, 2) NOT NULL CHECK (amount <= 1000000),  -- the line's quantity x unit cost, by the guard
  note VARCHAR(500),
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id),
  UNIQUE (bid_id, scope_line_id)
);
CREATE INDEX idx_bid_prices_turn ON bid_prices (turn_id);
CREATE INDEX idx_bid_prices_vendor ON bid_prices (vendor_id);

DO $tables$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['bid_requests', 'bid_request_lines', 'bids', 'bid_prices'] LOOP
    EXECUTE format('CREATE TRIGGER update_%1$s_updated_at BEFORE INSERT OR UPDATE ON %1$s'
                   ' FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()', t);
    EXECUTE format('CREATE TRIGGER audit_%1$s AFTER INSERT OR UPDATE OR DELETE ON %1$s'
                   ' FOR EACH ROW EXECUTE FUNCTION audit_row_change()', t);
  END LOOP;
END
$tables$;

-- The requests a vendor user's company is invited to (its policies' subquery, without asking
-- the bids policies again).
CREATE FUNCTION app_bid_request_ids() RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp ROWS 20
  AS $$
    SELECT b.request_id FROM bids b WHERE b.vendor_id = app_current_vendor_id()
  $$;

-- A request belongs to its turn for good, on the turn's property, and is due today or later when
-- asked; once awarded or cancelled it changes no more, and only a submitted bid of its own wins.
CREATE FUNCTION bid_request_guard() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  turn record;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT t.property_id, t.turn_id, concat_ws(', ', p.street_address, p.city, p.state) AS address
      INTO turn FROM turns t JOIN properties p ON p.id = t.property_id WHERE t.id = NEW.turn_id;
    NEW.property_id := turn.property_id;
    NEW.turn_code := turn.turn_id;
    NEW.address := turn.address;
    NEW.status := 'OPEN';
    NEW.awarded_bid_id := NULL;
    IF NEW.due_date < current_date THEN
      RAISE EXCEPTION 'the due date % is in the past', NEW.due_date USING ERRCODE = '23514',
        TABLE = 'bid_requests', COLUMN = 'due_date';
    END IF;
    RETURN NEW;
  END IF;
  NEW.turn_id := OLD.turn_id;
  NEW.requested_by := OLD.requested_by;
  IF OLD.status <> 'OPEN' THEN
    RAISE EXCEPTION 'this bid request is already %', lower(OLD.status) USING ERRCODE = '23514',
      TABLE = 'bid_requests', COLUMN = 'status';
  END IF;
  IF NEW.status = 'AWARDED' AND NOT EXISTS (
       SELECT 1 FROM bids b WHERE b.id = NEW.awarded_bid_id AND b.request_id = NEW.id
                              AND b.status IN ('SUBMITTED', 'AWARDED')) THEN
    RAISE EXCEPTION 'only a submitted bid of this request can be awarded' USING ERRCODE = '23514',
      TABLE = 'bid_requests', COLUMN = 'awarded_bid_id';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER bid_requests_guard BEFORE INSERT OR UPDATE ON bid_requests
  FOR EACH ROW EXECUTE FUNCTION bid_request_guard();

-- A covered line is a line of the request's turn still in its scope; what it asks for is kept
-- as the request was made.
CREATE FUNCTION bid_request_line_guard() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  line record;
BEGIN
  SELECT r.turn_id INTO NEW.turn_id FROM bid_requests r WHERE r.id = NEW.request_id;
  SELECT s.trade, s.description, s.quantity, s.unit INTO line FROM scope_lines s
   WHERE s.id = NEW.scope_line_id AND s.turn_id = NEW.turn_id AND s.removed_at IS NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'the scope line % is not a line of this turn', NEW.scope_line_id USING ERRCODE = '23514',
      TABLE = 'bid_request_lines', COLUMN = 'scope_line_id';
  END IF;
  NEW.trade := line.trade;
  NEW.description := line.description;
  NEW.quantity := line.quantity;
  NEW.unit := line.unit;
  RETURN NEW;
END
$$;
CREATE TRIGGER bid_request_lines_guard BEFORE INSERT OR UPDATE ON bid_request_lines
  FOR EACH ROW EXECUTE FUNCTION bid_request_line_guard();

-- Whether a vendor may still answer ``request``: it is open and its due date has not passed.
CREATE FUNCTION bid_open_for_vendor(request uuid) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  r record;
BEGIN
  SELECT status, due_date INTO r FROM bid_requests WHERE id = request;
  IF r.status <> 'OPEN' THEN
    RAISE EXCEPTION 'this bid request is %: it takes no more answers', lower(r.status) USING ERRCODE = '42501';
  END IF;
  IF current_date > r.due_date THEN
    RAISE EXCEPTION 'bids were due on %: a late bid is not accepted', r.due_date USING ERRCODE = '42501';
  END IF;
END
$$;

-- An invited vendor is an approved, active company; a bid's turn is its request's. A vendor
-- user answers its own open bid (submitted or declined, with a note) before the due date and
-- changes nothing else; a submitted bid's total is the sum of its prices.
CREATE FUNCTION bid_guard() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT r.turn_id INTO NEW.turn_id FROM bid_requests r WHERE r.id = NEW.request_id;
    IF NOT EXISTS (SELECT 1 FROM vendors v WHERE v.id = NEW.vendor_id AND v.is_active AND v.is_approved) THEN
      RAISE EXCEPTION 'the vendor % is not an approved, active vendor', NEW.vendor_id USING ERRCODE = '23514',
        TABLE = 'bids', COLUMN = 'vendor_id';
    END IF;
    NEW.status := 'INVITED';
    NEW.submitted_at := NULL;
    NEW.total := NULL;
    RETURN NEW;
  END IF;
  NEW.turn_id := OLD.turn_id;
  NEW.request_id := OLD.request_id;
  NEW.vendor_id := OLD.vendor_id;
  IF app_current_user_role() IS DISTINCT FROM 'VENDOR' AND NEW.status IN ('SUBMITTED', 'DECLINED')
     AND NEW.status IS DISTINCT FROM OLD.status THEN
    RAISE EXCEPTION 'only the invited vendor submits or declines its bid' USING ERRCODE = '42501';
  END IF;
  IF app_current_user_role() = 'VENDOR' THEN
    IF (to_jsonb(NEW) - '{status,note,total,submitted_at,version,updated_at,updated_by}'::text[])
       IS DISTINCT FROM (to_jsonb(OLD) - '{status,note,total,submitted_at,version,updated_at,updated_by}'::text[])
       OR NEW.status NOT IN ('SUBMITTED', 'DECLINED') OR OLD.status NOT IN ('INVITED', 'SUBMITTED', 'DECLINED') THEN
      RAISE EXCEPTION 'a vendor only submits or declines its own open bid' USING ERRCODE = '42501';
    END IF;
    PERFORM bid_open_for_vendor(NEW.request_id);
  END IF;
  IF NEW.status = 'SUBMITTED' AND OLD.status <> 'SUBMITTED' OR NEW.status = 'DECLINED' AND OLD.status <> 'DECLINED' THEN
    NEW.submitted_at := NOW();
  END IF;
  IF NEW.status = 'SUBMITTED' THEN
    NEW.total := (SELECT sum(p.amount) FROM bid_prices p WHERE p.bid_id = NEW.id);
    IF (SELECT count(*) FROM bid_request_lines l WHERE l.request_id = NEW.request_id)
       <> (SELECT count(*) FROM bid_prices p WHERE p.bid_id = NEW.id) THEN
      RAISE EXCEPTION 'a submitted bid prices every line of its request' USING ERRCODE = '23514',
        TABLE = 'bids', COLUMN = 'status';
    END IF;
  ELSIF NEW.status = 'DECLINED' THEN
    NEW.total := NULL;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER bids_guard BEFORE INSERT OR UPDATE ON bids
  FOR EACH ROW EXECUTE FUNCTION bid_guard();

-- A price is for a line of its bid's request; its amount is that line's quantity x the unit cost;
-- a vendor prices only while its bid may still be answered.
CREATE FUNCTION bid_price_guard() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  bid record;
  qty numeric;
BEGIN
  SELECT b.request_id, b.turn_id, b.vendor_id, b.status INTO bid FROM bids b WHERE b.id = NEW.bid_id;
  NEW.request_id := bid.request_id;
  NEW.turn_id := bid.turn_id;
  NEW.vendor_id := bid.vendor_id;
  SELECT l.quantity INTO qty FROM bid_request_lines l
   WHERE l.request_id = bid.request_id AND l.scope_line_id = NEW.scope_line_id;
  IF qty IS NULL THEN
    RAISE EXCEPTION 'the scope line % is not a line of this bid request', NEW.scope_line_id USING ERRCODE = '23514',
      TABLE = 'bid_prices', COLUMN = 'scope_line_id';
  END IF;
  NEW.amount := round(qty * NEW.unit_cost, 2);
  IF app_current_user_role() = 'VENDOR' THEN
    IF bid.status NOT IN ('INVITED', 'SUBMITTED', 'DECLINED') THEN
      RAISE EXCEPTION 'this bid is already decided' USING ERRCODE = '42501';
    END IF;
    PERFORM bid_open_for_vendor(bid.request_id);
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER bid_prices_guard BEFORE INSERT OR UPDATE ON bid_prices
  FOR EACH ROW EXECUTE FUNCTION bid_price_guard();

-- Who hears about a bid: the invited company's users when asked (in the app and by e-mail, the
-- link to their bid requests), the property's managers and whoever asked when a vendor submits
-- or declines.
CREATE FUNCTION bid_events() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  req record;
  t turns;
  prop record;
  company text;
  lines integer;
  recipients uuid[];
  ctx jsonb;
BEGIN
  SELECT * INTO req FROM bid_requests r WHERE r.id = NEW.request_id;
  SELECT * INTO t FROM turns WHERE id = NEW.turn_id;
  SELECT p.name, p.property_manager_id, p.sr_property_manager_id INTO prop FROM properties p WHERE p.id = t.property_id;
  SELECT v.company_name INTO company FROM vendors v WHERE v.id = NEW.vendor_id;
  SELECT count(*) INTO lines FROM bid_request_lines l WHERE l.request_id = NEW.request_id;
  ctx := jsonb_build_object(
    'turn_uuid', t.id, 'turn_id', t.turn_id, 'property_name', prop.name, 'address', req.address,
    'vendor', company, 'due_date', to_char(req.due_date, 'FMMonth FMDD, YYYY'), 'lines', lines,
    'amount', NEW.total, 'note', coalesce(CASE WHEN TG_OP = 'INSERT' THEN req.note ELSE NEW.note END, ''));
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(u.id) INTO recipients FROM users u WHERE u.vendor_id = NEW.vendor_id AND u.role = 'VENDOR';
    IF recipients IS NOT NULL THEN
      PERFORM notify_users(recipients, 'bid_invited', format('Bid request: %s', req.address),
        format('Please quote %s line(s) at %s by %s.', lines, req.address, ctx ->> 'due_date'), t, 'bid_invited',
        ctx || jsonb_build_object('path', '#/bids'));
    END IF;
  ELSIF NEW.status IN ('SUBMITTED', 'DECLINED') AND NEW.status IS DISTINCT FROM OLD.status THEN
    recipients := ARRAY[prop.property_manager_id, prop.sr_property_manager_id, req.requested_by];
    IF NEW.status = 'SUBMITTED' THEN
      PERFORM notify_users(recipients, 'bid_submitted', format('%s bid on %s', company, t.turn_id),
        format('%s quoted %s for %s line(s).', company, to_char(NEW.total, 'FM$999,999,990.00'), lines), t,
        'bid_submitted', ctx);
    ELSE
      PERFORM notify_users(recipients, 'bid_declined', format('%s declined to bid on %s', company, t.turn_id),
        coalesce(nullif(NEW.note, ''), format('%s will not quote this request.', company)), t, 'bid_declined', ctx);
    END IF;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER bids_events AFTER INSERT OR UPDATE OF status ON bids
  FOR EACH ROW EXECUTE FUNCTION bid_events();

DO $owners$
DECLARE
  f text;
BEGIN
  FOREACH f IN ARRAY ARRAY['bid_request_guard()', 'bid_request_line_guard()',
                           'bid_open_for_vendor(uuid)', 'bid_guard()', 'bid_price_guard()', 'bid_events()'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO turns_definer', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
END
$owners$;
-- Like the other app_* functions of the policies, callable by every role that reads these tables.
ALTER FUNCTION app_bid_request_ids() OWNER TO turns_definer;

GRANT SELECT, INSERT, UPDATE ON bid_requests, bid_request_lines, bids, bid_prices TO turns_app;
GRANT SELECT ON bid_requests, bid_request_lines, bids, bid_prices, scope_lines TO turns_definer;
DO $policies$
DECLARE
  t text;
  -- Admins and approvers read every row; a manager the rows of the turns of their properties.
  staff text := $s$((SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN', 'DFO_APPROVER', 'HO_APPROVER')
    OR EXISTS (SELECT 1 FROM turns t WHERE t.id = %1$I.turn_id
                                     AND t.property_id IN (SELECT app_managed_property_ids())))$s$;
  writer text := $w$((SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
    OR EXISTS (SELECT 1 FROM turns t WHERE t.id = %1$I.turn_id
                                     AND t.property_id IN (SELECT app_managed_property_ids())))$w$;
BEGIN
  FOREACH t IN ARRAY ARRAY['bid_requests', 'bid_request_lines', 'bids', 'bid_prices'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %1$s_definer ON %1$I FOR SELECT TO turns_definer USING (true)', t);
    -- Synced: the replication role reads every row, the sync engine decides per user.
    EXECUTE format('ALTER TABLE %I REPLICA IDENTITY FULL', t);
    EXECUTE format('ALTER PUBLICATION electric_publication ADD TABLE %I', t);
    EXECUTE format('GRANT SELECT ON %I TO turns_replication', t);
    EXECUTE format('CREATE POLICY %1$s_replication ON %1$I FOR SELECT TO turns_replication USING (true)', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['bid_requests', 'bid_request_lines', 'bids'] LOOP
    EXECUTE format('CREATE POLICY %1$s_insert ON %1$I FOR INSERT WITH CHECK (%2$s)', t, format(writer, t));
  END LOOP;
  EXECUTE format('CREATE POLICY bid_requests_select ON bid_requests FOR SELECT USING (%s OR id IN (SELECT app_bid_request_ids()))',
                 format(staff, 'bid_requests'));
  EXECUTE format('CREATE POLICY bid_requests_update ON bid_requests FOR UPDATE USING (%1$s) WITH CHECK (%1$s)',
                 format(writer, 'bid_requests'));
  EXECUTE format('CREATE POLICY bid_request_lines_select ON bid_request_lines FOR SELECT USING (%s'
                 ' OR request_id IN (SELECT app_bid_request_ids()))', format(staff, 'bid_request_lines'));
  EXECUTE format('CREATE POLICY bids_select ON bids FOR SELECT USING (%s OR vendor_id = (SELECT app_current_vendor_id()))',
                 format(staff, 'bids'));
  EXECUTE format('CREATE POLICY bids_update ON bids FOR UPDATE USING (%1$s OR vendor_id = (SELECT app_current_vendor_id()))'
                 ' WITH CHECK (%1$s OR vendor_id = (SELECT app_current_vendor_id()))', format(writer, 'bids'));
  EXECUTE format('CREATE POLICY bid_prices_select ON bid_prices FOR SELECT USING (%s'
                 ' OR vendor_id = (SELECT app_current_vendor_id()))', format(staff, 'bid_prices'));
END
$policies$;
-- Prices are the vendor's own: written by its users only.
CREATE POLICY bid_prices_insert ON bid_prices FOR INSERT WITH CHECK (
  vendor_id = (SELECT app_current_vendor_id())
);
CREATE POLICY bid_prices_update ON bid_prices FOR UPDATE USING (
  vendor_id = (SELECT app_current_vendor_id())
) WITH CHECK (
  vendor_id = (SELECT app_current_vendor_id())
);

-- A request's, invitation's and price's audit rows belong to its turn, so whoever reads the
-- turn's trail reads them too.
CREATE FUNCTION audit_bid_context() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  row_values jsonb := coalesce(NEW.new_values, NEW.old_values);
BEGIN
  NEW.turn_id := (row_values ->> 'turn_id')::uuid;
  NEW.vendor_id := (row_values ->> 'vendor_id')::uuid;
  RETURN NEW;
END
$$;
CREATE TRIGGER audit_logs_bid_context BEFORE INSERT ON audit_logs
  FOR EACH ROW WHEN (NEW.table_name IN ('bid_requests', 'bid_request_lines', 'bids', 'bid_prices'))
  EXECUTE FUNCTION audit_bid_context();

REVOKE CREATE ON SCHEMA public FROM turns_definer;
REVOKE turns_definer FROM CURRENT_USER;
