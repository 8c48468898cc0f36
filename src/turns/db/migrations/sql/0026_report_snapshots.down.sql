SET LOCAL lock_timeout = '10s';
DROP INDEX idx_turns_property_move_out;
DROP TABLE report_snapshots;
