SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;  -- to alter its functions; revoked below
ALTER FUNCTION app_current_user_role() PARALLEL UNSAFE;
ALTER FUNCTION app_current_vendor_id() PARALLEL UNSAFE;
ALTER FUNCTION app_manager_id() PARALLEL UNSAFE;
ALTER FUNCTION app_managed_property_ids() PARALLEL UNSAFE;
ALTER FUNCTION app_vendor_property_ids() PARALLEL UNSAFE;
ALTER FUNCTION app_bid_request_ids() PARALLEL UNSAFE;
REVOKE turns_definer FROM CURRENT_USER;
