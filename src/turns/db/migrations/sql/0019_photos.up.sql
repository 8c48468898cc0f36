-- Photos of a turn: what an inspector, a manager or a vendor saw and did on site.
-- The image itself is in the photo store (the data directory, or an S3-compatible bucket;
-- turns.photos.storage), named by storage_key; this row is what decides who sees it: a photo
-- is read as its turn is read (the turn's own RLS), added by the people who work on the
-- turn, and removed by whoever added it or an admin. The stored image was re-encoded without
-- its metadata (GPS, camera, time): width, height and byte_size describe that image.
-- Removing a row, directly or with its turn, queues its files for deletion
-- (photo_blobs_gone, emptied by a background job), so no path leaves an image behind.
SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO turns_definer;  -- needed to take ownership; revoked below

CREATE TABLE photos (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  turn_id UUID NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
  property_id UUID NOT NULL REFERENCES properties(id),
  subject VARCHAR(20) NOT NULL DEFAULT 'turn' CHECK (subject IN ('turn', 'inspection', 'scope_line')),
  subject_id UUID,
  phase VARCHAR(10) CHECK (phase IN ('before', 'after')),
  caption VARCHAR(500),
  content_type VARCHAR(20) NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
  uploaded_type VARCHAR(20) NOT NULL,
  byte_size INTEGER NOT NULL CHECK (byte_size > 0),
  width INTEGER NOT NULL CHECK (width > 0),
  height INTEGER NOT NULL CHECK (height > 0),
  storage_key VARCHAR(200) NOT NULL UNIQUE,
  sizes_ready BOOLEAN NOT NULL DEFAULT false,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id),
  CHECK ((subject = 'turn') = (subject_id IS NULL))
);
CREATE INDEX idx_photos_turn ON photos (turn_id, created_at);
CREATE INDEX idx_photos_subject ON photos (subject_id) WHERE subject_id IS NOT NULL;
CREATE INDEX idx_photos_property ON photos (property_id);
CREATE TRIGGER update_photos_updated_at BEFORE INSERT OR UPDATE ON photos
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER audit_photos AFTER INSERT OR UPDATE OR DELETE ON photos
  FOR EACH ROW EXECUTE FUNCTION audit_row_change();

-- A photo's property is its turn's, whatever the writer sent.
CREATE FUNCTION photo_property() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  SELECT t.property_id INTO NEW.property_id FROM turns t WHERE t.id = NEW.turn_id;
  RETURN NEW;
END
$$;
ALTER FUNCTION photo_property() OWNER TO turns_definer;
REVOKE ALL ON FUNCTION photo_property() FROM PUBLIC;
CREATE TRIGGER photos_property BEFORE INSERT OR UPDATE OF turn_id ON photos
  FOR EACH ROW EXECUTE FUNCTION photo_property();

GRANT SELECT, INSERT, DELETE ON photos TO turns_app;
GRANT UPDATE (caption, sizes_ready) ON photos TO turns_app;
GRANT SELECT ON photos TO turns_replication;
-- Synced like a turn's stage history: the replication role reads every row, the sync engine
-- decides per user.
ALTER TABLE photos REPLICA IDENTITY FULL;
ALTER PUBLICATION electric_publication ADD TABLE photos;
ALTER TABLE photos ENABLE ROW LEVEL SECURITY;
ALTER TABLE photos FORCE ROW LEVEL SECURITY;
CREATE POLICY photos_replication ON photos FOR SELECT TO turns_replication USING (true);
-- Read as the turn is read (the subquery runs under the turns policies of the reader).
CREATE POLICY photos_select ON photos FOR SELECT USING (
  EXISTS (SELECT 1 FROM turns t WHERE t.id = photos.turn_id)
);
-- Added by the people who work on the turn, as themselves; approvers look, they do not add.
CREATE POLICY photos_insert ON photos FOR INSERT WITH CHECK (
  (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN', 'PROPERTY_MANAGER', 'SR_PROPERTY_MANAGER',
                                       'INSPECTOR', 'VENDOR')
  AND created_by = (SELECT app_current_user_id())
  AND EXISTS (SELECT 1 FROM turns t WHERE t.id = photos.turn_id)
);
-- The caption by whoever added it or an admin; the sizes by the background job (system).
CREATE POLICY photos_update ON photos FOR UPDATE USING (
  created_by = (SELECT app_current_user_id())
  OR (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
) WITH CHECK (
  created_by = (SELECT app_current_user_id())
  OR (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN')
);
CREATE POLICY photos_delete ON photos FOR DELETE USING (
  (created_by = (SELECT app_current_user_id()) OR (SELECT app_current_user_role()) IN ('SUPER_ADMIN', 'ADMIN'))
  AND EXISTS (SELECT 1 FROM turns t WHERE t.id = photos.turn_id)
);

-- Files whose photo is gone; the purge job deletes them from the store, then the row.
CREATE TABLE photo_blobs_gone (
  storage_key VARCHAR(200) PRIMARY KEY,
  gone_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
ALTER TABLE photo_blobs_gone ENABLE ROW LEVEL SECURITY;
ALTER TABLE photo_blobs_gone FORCE ROW LEVEL SECURITY;
GRANT INSERT ON photo_blobs_gone TO turns_definer;
CREATE POLICY photo_blobs_gone_definer ON photo_blobs_gone FOR INSERT TO turns_definer WITH CHECK (true);
-- The purge job acts as the system user (a super admin).
GRANT SELECT, DELETE ON photo_blobs_gone TO turns_app;
CREATE POLICY photo_blobs_gone_read ON photo_blobs_gone FOR SELECT TO turns_app
  USING ((SELECT app_current_user_role()) = 'SUPER_ADMIN');
CREATE POLICY photo_blobs_gone_purge ON photo_blobs_gone FOR DELETE TO turns_app
  USING ((SELECT app_current_user_role()) = 'SUPER_ADMIN');

CREATE FUNCTION photo_gone() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  INSERT INTO photo_blobs_gone (storage_key) VALUES (OLD.storage_key) ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
ALTER FUNCTION photo_gone() OWNER TO turns_definer;
REVOKE ALL ON FUNCTION photo_gone() FROM PUBLIC;
CREATE TRIGGER photos_gone AFTER DELETE ON photos FOR EACH ROW EXECUTE FUNCTION photo_gone();

REVOKE CREATE ON SCHEMA public FROM turns_definer;
REVOKE turns_definer FROM CURRENT_USER;
