-- The policies' helpers read the acting user from a setting and look up rows; they write
-- nothing and change no setting a worker would keep (their search_path is restored on
-- return), so they are safe in parallel workers, which receive the transaction's settings.
-- Marked unsafe (the default), they kept every query on a table with a policy to one process:
-- 1M turns read as shape messages took 25 s on one core, 14 s on two (docs/sync.md).
SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;  -- to alter its functions; revoked below
ALTER FUNCTION app_current_user_role() PARALLEL SAFE;
ALTER FUNCTION app_current_vendor_id() PARALLEL SAFE;
ALTER FUNCTION app_manager_id() PARALLEL SAFE;
ALTER FUNCTION app_managed_property_ids() PARALLEL SAFE;
ALTER FUNCTION app_vendor_property_ids() PARALLEL SAFE;
ALTER FUNCTION app_bid_request_ids() PARALLEL SAFE;
REVOKE turns_definer FROM CURRENT_USER;
