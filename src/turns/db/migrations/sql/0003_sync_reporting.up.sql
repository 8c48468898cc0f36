-- Sync (publication, replica identity, replication role) and reporting (property_summary).
SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO turns_definer;  -- needed to take ownership; revoked below

-- The tables clients sync. Old row images are logged in full so a change can be matched
-- against shape filters on its old values too.
ALTER TABLE users REPLICA IDENTITY FULL;
ALTER TABLE properties REPLICA IDENTITY FULL;
ALTER TABLE turns REPLICA IDENTITY FULL;
ALTER TABLE turn_stages REPLICA IDENTITY FULL;
ALTER TABLE vendors REPLICA IDENTITY FULL;
ALTER TABLE utility_providers REPLICA IDENTITY FULL;
ALTER TABLE notifications REPLICA IDENTITY FULL;
ALTER TABLE turn_stage_history REPLICA IDENTITY FULL;

CREATE PUBLICATION electric_publication FOR TABLE
  users, properties, turns, turn_stages, vendors, utility_providers, notifications, turn_stage_history
  WITH (publish = 'insert, update, delete, truncate');

-- The replication role reads every synced row (it filters per user itself), but never the
-- password hash or the lock-box code.
GRANT SELECT (id, email, first_name, last_name, phone, role, is_active, email_verified, last_login,
              vendor_id, version, created_at, updated_at, created_by, updated_by) ON users TO turns_replication;
GRANT SELECT (id, turn_id, property_id, stage_id, wo_number, move_out_date, trash_out_needed, turn_amount,
              approved_turn_amount, change_order_amount, vendor_id, turns_superintendent_id,
              flooring_vendor_id, expected_completion_date, occupancy_check_date, scope_approved_date,
              turn_assignment_date, final_walk_date, sent_to_leasing_date, scan_360_date,
              turn_completion_date, power_status, water_status, gas_status, power_provider_id,
              water_provider_id, gas_provider_id, scope_approval_status, scope_submitted_by,
              scope_submitted_at, dfo_approval_user_id, dfo_approval_datetime, ho_approval_user_id,
              ho_approval_datetime, reject_user_id, reject_datetime, reject_reason, order_inside_maps,
              generate_wo_email, appliances_needed, appliances_ordered, scope_photos_link, status,
              sub_status, is_active, lock_box_install_date, lock_box_location, version, created_at,
              updated_at, created_by, updated_by) ON turns TO turns_replication;
GRANT SELECT ON properties, turn_stages, vendors, utility_providers, notifications, turn_stage_history
  TO turns_replication;
CREATE POLICY users_replication ON users FOR SELECT TO turns_replication USING (true);
CREATE POLICY properties_replication ON properties FOR SELECT TO turns_replication USING (true);
CREATE POLICY turns_replication ON turns FOR SELECT TO turns_replication USING (true);
CREATE POLICY turn_stages_replication ON turn_stages FOR SELECT TO turns_replication USING (true);
CREATE POLICY vendors_replication ON vendors FOR SELECT TO turns_replication USING (true);
CREATE POLICY utility_providers_replication ON utility_providers FOR SELECT TO turns_replication USING (true);
CREATE POLICY notifications_replication ON notifications FOR SELECT TO turns_replication USING (true);
CREATE POLICY turn_stage_history_replication ON turn_stage_history FOR SELECT TO turns_replication USING (true);

-- property_summary: owned by turns_definer so a refresh sees every property whoever runs it.
CREATE MATERIALIZED VIEW property_summary AS
SELECT
  p.id,
  p.property_id,
  p.name,
  COUNT(DISTINCT t.id) AS total_turns,
  COUNT(DISTINCT t.id) FILTER (WHERE t.is_active = true) AS active_turns,
  AVG(t.turn_amount) AS avg_turn_cost,
  MAX(t.created_at) AS last_turn_date,
  NOW() AS refreshed_at
FROM properties p
LEFT JOIN turns t ON p.id = t.property_id
GROUP BY p.id, p.property_id, p.name
WITH NO DATA;
CREATE UNIQUE INDEX property_summary_id_key ON property_summary (id);
CREATE INDEX property_summary_property_id ON property_summary (property_id);
ALTER MATERIALIZED VIEW property_summary OWNER TO turns_definer;
REFRESH MATERIALIZED VIEW property_summary;
GRANT SELECT ON property_summary TO CURRENT_USER;

CREATE FUNCTION refresh_property_summary(concurrent boolean DEFAULT true) RETURNS timestamptz
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  IF concurrent THEN
    REFRESH MATERIALIZED VIEW CONCURRENTLY property_summary;
  ELSE
    REFRESH MATERIALIZED VIEW property_summary;
  END IF;
  RETURN (SELECT max(refreshed_at) FROM property_summary);
END
$$;
ALTER FUNCTION refresh_property_summary(boolean) OWNER TO turns_definer;
REVOKE ALL ON FUNCTION refresh_property_summary(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION refresh_property_summary(boolean) TO turns_app, CURRENT_USER;

-- What the application reads: the summary rows of the properties the acting user may see
-- (the view runs as its owner, whom FORCEd RLS on properties filters by app.current_user_id).
CREATE VIEW property_summary_visible WITH (security_barrier = true) AS
SELECT s.* FROM property_summary s
WHERE EXISTS (SELECT 1 FROM properties p WHERE p.id = s.id);
GRANT SELECT ON property_summary_visible TO turns_app;

REVOKE CREATE ON SCHEMA public FROM turns_definer;
REVOKE turns_definer FROM CURRENT_USER;
