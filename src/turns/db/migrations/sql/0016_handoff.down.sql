SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
DROP TRIGGER turns_sent_to_leasing ON turns;
DROP FUNCTION turn_sent_to_leasing();
DROP TRIGGER record_turns_date_change ON turns;
DROP FUNCTION record_date_change();
DROP TABLE turn_date_changes;
ALTER TABLE turns
  DROP COLUMN final_walk_by,
  DROP COLUMN move_in_date,
  DROP COLUMN sent_to_leasing_at,
  DROP COLUMN sent_to_leasing_by;
ALTER TABLE turn_stages
  DROP COLUMN requires_utilities_on,
  DROP COLUMN requires_final_walk,
  DROP COLUMN requires_lock_box;
REVOKE turns_definer FROM CURRENT_USER;
