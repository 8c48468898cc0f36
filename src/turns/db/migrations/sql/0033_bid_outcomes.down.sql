SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
DROP TRIGGER bid_requests_cancelled_events ON bid_requests;
DROP TRIGGER bids_outcome_events ON bids;
DROP FUNCTION bid_request_cancelled_events();
DROP FUNCTION bid_outcome_events();
DROP FUNCTION bid_vendor_notice(bids, text);
REVOKE turns_definer FROM CURRENT_USER;
