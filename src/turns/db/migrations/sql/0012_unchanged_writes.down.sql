SET LOCAL lock_timeout = '10s';

CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.version := 1;
    NEW.created_by := coalesce(NEW.created_by, app_current_user_id());
    NEW.updated_by := coalesce(NEW.updated_by, NEW.created_by);
  ELSE
    NEW.id := OLD.id;
    NEW.created_at := OLD.created_at;
    NEW.created_by := OLD.created_by;
    NEW.updated_at := NOW();
    NEW.version := OLD.version + 1;
    NEW.updated_by := coalesce(app_current_user_id(), NEW.updated_by);
  END IF;
  RETURN NEW;
END
$$;
