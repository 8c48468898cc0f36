-- Bids: the vendors hear how their bids end, as they heard they were asked (in the app and by
-- e-mail, with the link to their bid requests): the winner that its bid was chosen, the others
-- still in the running (asked, or priced) that another was, and all of those that a request was
-- withdrawn. A vendor that declined hears nothing more.
SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO turns_definer;  -- needed to take ownership; revoked below

-- The users of the bid's vendor told, in words for its kind: bid_awarded, bid_lost, bid_cancelled.
CREATE FUNCTION bid_vendor_notice(p_bid bids, p_kind text) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  req record;
  t turns;
  company text;
  lines integer;
  recipients uuid[];
  amount text := to_char(p_bid.total, 'FM$999,999,990.00');
BEGIN
  SELECT array_agg(u.id) INTO recipients FROM users u WHERE u.vendor_id = p_bid.vendor_id AND u.role = 'VENDOR';
  IF recipients IS NULL THEN
    RETURN;
  END IF;
  SELECT * INTO req FROM bid_requests r WHERE r.id = p_bid.request_id;
  SELECT * INTO t FROM turns WHERE id = p_bid.turn_id;
  SELECT v.company_name INTO company FROM vendors v WHERE v.id = p_bid.vendor_id;
  SELECT count(*) INTO lines FROM bid_request_lines l WHERE l.request_id = p_bid.request_id;
  PERFORM notify_users(recipients, p_kind,
    CASE p_kind
      WHEN 'bid_awarded' THEN format('Bid won: %s', req.address)
      WHEN 'bid_lost' THEN format('Another bid was chosen: %s', req.address)
      ELSE format('Bid request withdrawn: %s', req.address) END,
    CASE p_kind
      WHEN 'bid_awarded' THEN format('Your bid of %s for %s line(s) of %s was chosen: the lines are yours to do.',
                                     amount, lines, t.turn_id)
      WHEN 'bid_lost' THEN format('Another vendor''s bid was chosen for the %s line(s) of %s at %s.',
                                  lines, t.turn_id, req.address)
      ELSE format('%s at %s no longer needs a quote: the request was withdrawn.', t.turn_id, req.address) END,
    t, p_kind,
    jsonb_build_object('turn_uuid', t.id, 'turn_id', t.turn_id, 'address', req.address, 'vendor', company,
                       'lines', lines, 'amount', p_bid.total, 'path', '#/bids'));
END
$$;

CREATE FUNCTION bid_outcome_events() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  PERFORM bid_vendor_notice(NEW, CASE NEW.status WHEN 'AWARDED' THEN 'bid_awarded' ELSE 'bid_lost' END);
  RETURN NULL;
END
$$;
CREATE TRIGGER bids_outcome_events AFTER UPDATE OF status ON bids
  FOR EACH ROW WHEN (NEW.status IN ('AWARDED', 'LOST') AND NEW.status IS DISTINCT FROM OLD.status)
  EXECUTE FUNCTION bid_outcome_events();

CREATE FUNCTION bid_request_cancelled_events() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  bid bids;
BEGIN
  FOR bid IN SELECT * FROM bids b WHERE b.request_id = NEW.id AND b.status IN ('INVITED', 'SUBMITTED') LOOP
    PERFORM bid_vendor_notice(bid, 'bid_cancelled');
  END LOOP;
  RETURN NULL;
END
$$;
CREATE TRIGGER bid_requests_cancelled_events AFTER UPDATE OF status ON bid_requests
  FOR EACH ROW WHEN (NEW.status = 'CANCELLED' AND OLD.status IS DISTINCT FROM 'CANCELLED')
  EXECUTE FUNCTION bid_request_cancelled_events();

DO $owners$
DECLARE
  f text;
BEGIN
  FOREACH f IN ARRAY ARRAY['bid_vendor_notice(bids, text)', 'bid_outcome_events()', 'bid_request_cancelled_events()'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO turns_definer', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
END
$owners$;

REVOKE CREATE ON SCHEMA public FROM turns_definer;
REVOKE turns_definer FROM CURRENT_USER;
