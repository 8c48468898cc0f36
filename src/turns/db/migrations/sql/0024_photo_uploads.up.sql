-- A phone that loses its connection during an upload cannot know whether the photo arrived, so
-- it sends it again with the same Idempotency-Key. Each key a user has sent names the photo it
-- added and the SHA-256 of the bytes sent: a retry with the same bytes gets that photo back, the
-- same key with other bytes is refused. A user reads and claims only its own keys; the claim goes
-- with its photo. The photo is written after its claim in the same transaction, so the foreign
-- key is checked at commit; two retries at once meet on the primary key, and the second waits
-- for the first and then finds its claim.
SET LOCAL lock_timeout = '10s';

CREATE TABLE photo_uploads (
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  idempotency_key VARCHAR(200) NOT NULL CHECK (idempotency_key ~ '^[!-~]+$'),
  digest VARCHAR(64) NOT NULL CHECK (digest ~ '^[0-9a-f]{64}$'),
  photo_id UUID NOT NULL REFERENCES photos(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  PRIMARY KEY (user_id, idempotency_key)
);
CREATE INDEX idx_photo_uploads_photo ON photo_uploads (photo_id);
ALTER TABLE photo_uploads ENABLE ROW LEVEL SECURITY;
ALTER TABLE photo_uploads FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON photo_uploads TO turns_app;
CREATE POLICY photo_uploads_select ON photo_uploads FOR SELECT USING (user_id = (SELECT app_current_user_id()));
CREATE POLICY photo_uploads_insert ON photo_uploads FOR INSERT WITH CHECK (user_id = (SELECT app_current_user_id()));
