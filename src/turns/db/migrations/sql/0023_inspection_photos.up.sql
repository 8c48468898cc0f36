-- Inspection photos are the inspection's: a vendor user, who reads no inspection (migration
-- 0020: they record the resident's damage and charge-backs), reads none of their photos either,
-- and adds none. The photos of the turn and of scope lines stay as they were.
SET LOCAL lock_timeout = '10s';
DROP POLICY photos_select ON photos;
CREATE POLICY photos_select ON photos FOR SELECT USING (
  EXISTS (SELECT 1 FROM turns t WHERE t.id = photos.turn_id)
  AND NOT (subject = 'inspection' AND (SELECT app_current_user_role()) = 'VENDOR')
);
DROP POLICY photos_insert ON photos;
CREATE POLICY photos_insert ON photos FOR INSERT WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN', 'PROPERTY_MANAGER', 'SR_PROPERTY_MANAGER',
                                       'INSPECTOR', 'VENDOR')
  AND NOT (subject = 'inspection' AND (SELECT app_current_user_role()) = 'VENDOR')
  AND created_by = (SELECT app_current_user_id())
  AND EXISTS (SELECT 1 FROM turns t WHERE t.id = photos.turn_id)
);
