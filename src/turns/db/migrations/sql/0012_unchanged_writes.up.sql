-- An UPDATE that leaves every column as it was (a PATCH sending back the values it read, or
-- naming only the version) is not a new version: the row keeps its version, updated_at and
-- updated_by, so the audit trigger, which sees no change, writes no row either. Audit rows
-- and versions then stay one to one, whatever path wrote.
SET LOCAL lock_timeout = '10s';

CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  requested_by uuid;
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.version := 1;
    NEW.created_by := coalesce(NEW.created_by, app_current_user_id());
    NEW.updated_by := coalesce(NEW.updated_by, NEW.created_by);
  ELSE
    NEW.id := OLD.id;
    NEW.created_at := OLD.created_at;
    NEW.created_by := OLD.created_by;
    requested_by := NEW.updated_by;
    NEW.version := OLD.version;
    NEW.updated_at := OLD.updated_at;
    NEW.updated_by := OLD.updated_by;
    IF NEW IS NOT DISTINCT FROM OLD THEN
      RETURN NEW;
    END IF;
    NEW.updated_at := NOW();
    NEW.version := OLD.version + 1;
    NEW.updated_by := coalesce(app_current_user_id(), requested_by);
  END IF;
  RETURN NEW;
END
$$;
