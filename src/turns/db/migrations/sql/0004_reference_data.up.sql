-- Reference data: the system user that jobs, the CLI and migrations act as, and the five
-- default turn stages.
SET LOCAL lock_timeout = '10s';

-- The owner inserts the first user with RLS not forced for this transaction only.
ALTER TABLE users NO FORCE ROW LEVEL SECURITY;
INSERT INTO users (id, email, first_name, last_name, role, is_active, email_verified)
VALUES ('00000000-0000-0000-0000-000000000001', 'system@turns.invalid', 'Turns', 'System',
        'SUPER_ADMIN', true, true);
ALTER TABLE users FORCE ROW LEVEL SECURITY;

SELECT set_config('app.current_user_id', '00000000-0000-0000-0000-000000000001', true),
       set_config('app.context', 'migration', true);

INSERT INTO turn_stages (name, display_order, color, send_email_to_users, send_email_to_vendor,
                         is_amount_required, is_vendor_required, requires_approval, is_complete_stage, is_active)
VALUES
  ('Draft',          1, '#6B7280', false, false, false, false, false, false, true),
  ('Scope Approval', 2, '#F59E0B', true,  false, true,  false, true,  false, true),
  ('In Progress',    3, '#3B82F6', true,  true,  true,  true,  false, false, true),
  ('Final Walk',     4, '#8B5CF6', true,  false, false, false, false, false, true),
  ('Complete',       5, '#10B981', true,  false, false, false, false, true,  true);

SELECT set_config('app.current_user_id', '', true), set_config('app.context', '', true);
