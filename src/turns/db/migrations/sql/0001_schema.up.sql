-- Turns core schema: types, tables (in dependency order), indexes and row metadata triggers.
SET LOCAL lock_timeout = '10s';

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Roles the grants below refer to. Created without login when missing; `turns db roles`
-- (or the embedded server's bootstrap) gives the login roles their passwords.
DO $roles$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'turns_app') THEN
    BEGIN
      CREATE ROLE turns_app NOLOGIN NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;  -- created meanwhile by a migration of another database of the cluster
    END;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'turns_replication') THEN
    BEGIN
      CREATE ROLE turns_replication NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;  -- created meanwhile by a migration of another database of the cluster
    END;
  END IF;
  -- Owns the SECURITY DEFINER functions (auth lookups, audit and history triggers);
  -- only its own policies let it past RLS. Never a login.
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'turns_definer') THEN
    BEGIN
      CREATE ROLE turns_definer NOLOGIN NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;  -- created meanwhile by a migration of another database of the cluster
    END;
  END IF;
END
$roles$;
-- Readiness checks (as the application role) compare the schema revision with the code's.
GRANT SELECT ON alembic_version TO turns_app;

-- Enums ---------------------------------------------------------------------
CREATE TYPE user_role AS ENUM (
  'SUPER_ADMIN', 'ADMIN', 'PROPERTY_MANAGER', 'SR_PROPERTY_MANAGER', 'VENDOR',
  'INSPECTOR', 'DFO_APPROVER', 'HO_APPROVER', 'USER'
);
CREATE TYPE approval_status AS ENUM (
  'PENDING', 'DFO_APPROVAL_NEEDED', 'DFO_APPROVED', 'HO_APPROVAL_NEEDED', 'HO_APPROVED', 'REJECTED'
);
CREATE TYPE utility_status AS ENUM ('YES', 'NO', 'PENDING');
CREATE TYPE utility_type AS ENUM ('POWER', 'WATER', 'GAS');
CREATE TYPE audit_action AS ENUM ('CREATE', 'UPDATE', 'DELETE', 'VIEW', 'EXPORT');

-- The acting user of the current transaction (NULL when none is set).
CREATE FUNCTION app_current_user_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT nullif(current_setting('app.current_user_id', true), '')::uuid $$;

-- Users & sessions ----------------------------------------------------------
CREATE TABLE users (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  email VARCHAR(255) NOT NULL,
  password_hash VARCHAR(255),
  first_name VARCHAR(100),
  last_name VARCHAR(100),
  phone VARCHAR(20),
  role user_role NOT NULL DEFAULT 'USER',
  is_active BOOLEAN NOT NULL DEFAULT true,
  email_verified BOOLEAN NOT NULL DEFAULT false,
  last_login TIMESTAMPTZ,
  vendor_id UUID,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id),
  CONSTRAINT valid_email CHECK (email ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$'),
  CONSTRAINT users_email_lower_case CHECK (email = lower(email)),
  CONSTRAINT users_vendor_link CHECK ((role = 'VENDOR') = (vendor_id IS NOT NULL))
);
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
CREATE INDEX idx_users_email ON users (email);
CREATE INDEX idx_users_role ON users (role);
CREATE INDEX idx_users_is_active ON users (is_active);

CREATE TABLE sessions (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- SHA-256 of the bearer token; the token itself is never stored.
  token_hash BYTEA NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  expires_at TIMESTAMPTZ NOT NULL,
  last_seen_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  revoked_at TIMESTAMPTZ,
  ip_address INET,
  user_agent TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id)
);
CREATE INDEX idx_sessions_user_id ON sessions (user_id);
CREATE INDEX idx_sessions_expires ON sessions (expires_at);

-- Vendors (before turns, which refer to them) --------------------------------
CREATE TABLE vendors (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  company_name VARCHAR(255) NOT NULL,
  contact_name VARCHAR(255),
  email VARCHAR(255),
  phone VARCHAR(20),
  street_address VARCHAR(255),
  city VARCHAR(100),
  state VARCHAR(50),
  zip_code VARCHAR(20),
  tax_id VARCHAR(50),
  license_number VARCHAR(100),
  insurance_expiry DATE,
  is_active BOOLEAN NOT NULL DEFAULT true,
  is_approved BOOLEAN NOT NULL DEFAULT false,
  average_rating DECIMAL(3,2) CHECK (average_rating BETWEEN 0 AND 5),
  total_jobs INTEGER NOT NULL DEFAULT 0 CHECK (total_jobs >= 0),
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id)
);
CREATE INDEX idx_vendors_is_active ON vendors (is_active);
CREATE INDEX idx_vendors_is_approved ON vendors (is_approved);
CREATE INDEX idx_vendors_active_approved ON vendors (is_active, is_approved)
  WHERE is_active = true AND is_approved = true;
CREATE INDEX idx_vendors_company_name ON vendors (company_name);
CREATE INDEX idx_shape_vendors ON vendors (is_active, is_approved) WHERE is_active = true;

-- A vendor user belongs to one vendor company.
ALTER TABLE users ADD CONSTRAINT users_vendor_id_fkey FOREIGN KEY (vendor_id) REFERENCES vendors(id);
CREATE INDEX idx_users_vendor_id ON users (vendor_id) WHERE vendor_id IS NOT NULL;

-- Utility providers ------------------------------------------------------------
CREATE TABLE utility_providers (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  name VARCHAR(255) NOT NULL,
  utility_type utility_type NOT NULL,
  phone VARCHAR(20),
  email VARCHAR(255),
  website VARCHAR(500),
  market VARCHAR(100),
  state VARCHAR(50),
  is_active BOOLEAN NOT NULL DEFAULT true,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id)
);
CREATE INDEX idx_utility_providers_type ON utility_providers (utility_type, is_active);
CREATE INDEX idx_utility_providers_market ON utility_providers (market);

-- Properties --------------------------------------------------------------------
CREATE TABLE properties (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  property_id VARCHAR(50) UNIQUE NOT NULL,
  name VARCHAR(255) NOT NULL,
  street_address VARCHAR(255) NOT NULL,
  city VARCHAR(100),
  state VARCHAR(50),
  zip_code VARCHAR(20),
  country VARCHAR(100) DEFAULT 'United States',
  county VARCHAR(100),
  year_built INTEGER,
  market VARCHAR(100),
  area_sqft INTEGER CHECK (area_sqft > 0),
  bedrooms DECIMAL(3,1) CHECK (bedrooms >= 0),
  bathrooms DECIMAL(3,1) CHECK (bathrooms >= 0),
  is_active BOOLEAN NOT NULL DEFAULT true,
  is_section_8 BOOLEAN NOT NULL DEFAULT false,
  in_disposition BOOLEAN NOT NULL DEFAULT false,
  has_insurance BOOLEAN NOT NULL DEFAULT false,
  has_squatters BOOLEAN NOT NULL DEFAULT false,
  is_core BOOLEAN NOT NULL DEFAULT true,
  ownership_status BOOLEAN NOT NULL DEFAULT false,
  property_manager_id UUID REFERENCES users(id),
  sr_property_manager_id UUID REFERENCES users(id),
  move_in_date DATE,
  move_out_date DATE,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id)
);
CREATE INDEX idx_properties_property_id ON properties (property_id);
CREATE INDEX idx_properties_is_active ON properties (is_active);
CREATE INDEX idx_properties_is_core ON properties (is_core);
CREATE INDEX idx_properties_manager ON properties (property_manager_id, is_active);
CREATE INDEX idx_properties_sr_manager ON properties (sr_property_manager_id, is_active);
CREATE INDEX idx_properties_shape_filter ON properties (property_manager_id, sr_property_manager_id, is_active);
CREATE INDEX idx_properties_active_manager ON properties (property_manager_id) WHERE is_active = true;
CREATE INDEX idx_shape_properties ON properties (property_manager_id, sr_property_manager_id, is_active, created_at DESC);
CREATE INDEX idx_properties_covering ON properties (id, property_id, name, is_active) INCLUDE (street_address, city, state);
CREATE INDEX idx_properties_market ON properties (market);

-- Turn stages ---------------------------------------------------------------------
CREATE TABLE turn_stages (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  name VARCHAR(100) NOT NULL,
  -- Deferrable so an admin can reorder stages in one transaction.
  display_order INTEGER NOT NULL CONSTRAINT turn_stages_display_order_key UNIQUE DEFERRABLE INITIALLY IMMEDIATE,
  color VARCHAR(7) DEFAULT '#000000' CHECK (color ~ '^#[0-9A-Fa-f]{6}$'),
  send_email_to_users BOOLEAN NOT NULL DEFAULT false,
  send_email_to_vendor BOOLEAN NOT NULL DEFAULT false,
  is_amount_required BOOLEAN NOT NULL DEFAULT false,
  is_vendor_required BOOLEAN NOT NULL DEFAULT false,
  requires_approval BOOLEAN NOT NULL DEFAULT false,
  is_complete_stage BOOLEAN NOT NULL DEFAULT false,
  is_active BOOLEAN NOT NULL DEFAULT true,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id)
);
CREATE INDEX idx_turn_stages_order ON turn_stages (display_order);
CREATE INDEX idx_turn_stages_active ON turn_stages (is_active);

-- Turns -------------------------------------------------------------------------------
CREATE TABLE turns (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  turn_id VARCHAR(50) UNIQUE NOT NULL,
  property_id UUID NOT NULL REFERENCES properties(id),
  stage_id UUID NOT NULL REFERENCES turn_stages(id),
  wo_number VARCHAR(50),
  move_out_date DATE,
  trash_out_needed BOOLEAN NOT NULL DEFAULT false,
  turn_amount DECIMAL(10,2) CHECK (turn_amount >= 0),
  approved_turn_amount DECIMAL(10,2) CHECK (approved_turn_amount >= 0),
  change_order_amount DECIMAL(10,2) CHECK (change_order_amount >= 0),
  vendor_id UUID REFERENCES vendors(id),
  turns_superintendent_id UUID REFERENCES users(id),
  flooring_vendor_id UUID REFERENCES vendors(id),
  expected_completion_date DATE,
  occupancy_check_date DATE,
  scope_approved_date DATE,
  turn_assignment_date DATE,
  final_walk_date DATE,
  sent_to_leasing_date DATE,
  scan_360_date DATE,
  turn_completion_date DATE,
  power_status utility_status DEFAULT 'PENDING',
  water_status utility_status DEFAULT 'PENDING',
  gas_status utility_status DEFAULT 'PENDING',
  power_provider_id UUID REFERENCES utility_providers(id),
  water_provider_id UUID REFERENCES utility_providers(id),
  gas_provider_id UUID REFERENCES utility_providers(id),
  scope_approval_status approval_status DEFAULT 'PENDING',
  scope_submitted_by UUID REFERENCES users(id),
  scope_submitted_at TIMESTAMPTZ,
  dfo_approval_user_id UUID REFERENCES users(id),
  dfo_approval_datetime TIMESTAMPTZ,
  ho_approval_user_id UUID REFERENCES users(id),
  ho_approval_datetime TIMESTAMPTZ,
  reject_user_id UUID REFERENCES users(id),
  reject_datetime TIMESTAMPTZ,
  reject_reason VARCHAR(500),
  order_inside_maps BOOLEAN NOT NULL DEFAULT false,
  generate_wo_email BOOLEAN NOT NULL DEFAULT false,
  appliances_needed BOOLEAN NOT NULL DEFAULT false,
  appliances_ordered BOOLEAN NOT NULL DEFAULT false,
  scope_photos_link VARCHAR(500),
  status VARCHAR(100),
  sub_status VARCHAR(100),
  is_active BOOLEAN NOT NULL DEFAULT true,
  lock_box_install_date DATE,
  lock_box_location VARCHAR(255),
  primary_lock_box_code VARCHAR(50),
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id)
);
CREATE INDEX idx_turns_turn_id ON turns (turn_id);
CREATE INDEX idx_turns_property_id ON turns (property_id);
CREATE INDEX idx_turns_stage_id ON turns (stage_id);
CREATE INDEX idx_turns_vendor_id ON turns (vendor_id);
CREATE INDEX idx_turns_flooring_vendor_id ON turns (flooring_vendor_id) WHERE flooring_vendor_id IS NOT NULL;
CREATE INDEX idx_turns_is_active ON turns (is_active);
CREATE INDEX idx_turns_approval_status ON turns (scope_approval_status);
CREATE INDEX idx_turns_active_shape ON turns (is_active, stage_id) WHERE is_active = true;
CREATE INDEX idx_turns_pending_approval ON turns (scope_approval_status, stage_id)
  WHERE is_active = true AND scope_approval_status IN ('DFO_APPROVAL_NEEDED', 'HO_APPROVAL_NEEDED');
CREATE INDEX idx_shape_turns ON turns (is_active, stage_id, created_at DESC);

-- Stage history: one row per stage a turn enters (written by a trigger on turns) --------
CREATE TABLE turn_stage_history (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  turn_id UUID NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
  property_id UUID NOT NULL REFERENCES properties(id),
  from_stage_id UUID REFERENCES turn_stages(id),
  to_stage_id UUID NOT NULL REFERENCES turn_stages(id),
  changed_by UUID REFERENCES users(id),
  changed_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  note VARCHAR(1000),
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id)
);
CREATE INDEX idx_turn_stage_history_turn ON turn_stage_history (turn_id, changed_at);
CREATE INDEX idx_turn_stage_history_stage ON turn_stage_history (to_stage_id, changed_at);
CREATE INDEX idx_turn_stage_history_property ON turn_stage_history (property_id);

-- Notifications ------------------------------------------------------------------
CREATE TABLE notifications (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind VARCHAR(50) NOT NULL,
  title VARCHAR(255) NOT NULL,
  body TEXT,
  turn_id UUID REFERENCES turns(id) ON DELETE CASCADE,
  property_id UUID REFERENCES properties(id),
  link VARCHAR(500),
  is_read BOOLEAN NOT NULL DEFAULT false,
  read_at TIMESTAMPTZ,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id)
);
CREATE INDEX idx_notifications_user ON notifications (user_id, is_read, created_at DESC);
CREATE INDEX idx_notifications_turn ON notifications (turn_id) WHERE turn_id IS NOT NULL;

-- Audit log: append-only; a system action has no user but names its reason in `context`.
CREATE TABLE audit_logs (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  table_name VARCHAR(100) NOT NULL,
  record_id UUID NOT NULL,
  action audit_action NOT NULL,
  user_id UUID REFERENCES users(id),
  user_email VARCHAR(255) NOT NULL,
  user_name VARCHAR(255) NOT NULL,
  user_role VARCHAR(50) NOT NULL,
  ip_address INET,
  user_agent TEXT,
  session_id UUID,
  old_values JSONB,
  new_values JSONB,
  changed_fields TEXT[],
  property_id UUID,
  turn_id UUID,
  vendor_id UUID,
  context VARCHAR(255),
  metadata JSONB,
  created_at TIMESTAMPTZ DEFAULT NOW() NOT NULL,
  CONSTRAINT audit_logs_actor CHECK (user_id IS NOT NULL OR context IS NOT NULL)
);
CREATE INDEX idx_audit_table_record ON audit_logs (table_name, record_id);
CREATE INDEX idx_audit_user_id ON audit_logs (user_id);
CREATE INDEX idx_audit_created_at ON audit_logs (created_at DESC);
CREATE INDEX idx_audit_property_id ON audit_logs (property_id);
CREATE INDEX idx_audit_turn_id ON audit_logs (turn_id);
CREATE INDEX idx_audit_vendor_id ON audit_logs (vendor_id);
CREATE INDEX idx_audit_action ON audit_logs (action);

-- Row metadata: version, updated_at, created_by / updated_by ----------------------
CREATE FUNCTION update_updated_at_column() RETURNS trigger
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

CREATE FUNCTION normalize_user_email() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  NEW.email := lower(btrim(NEW.email));
  RETURN NEW;
END
$$;
CREATE TRIGGER normalize_users_email BEFORE INSERT OR UPDATE OF email ON users
  FOR EACH ROW EXECUTE FUNCTION normalize_user_email();

DO $triggers$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['users', 'sessions', 'vendors', 'utility_providers', 'properties',
                           'turn_stages', 'turns', 'turn_stage_history', 'notifications']
  LOOP
    EXECUTE format(
      'CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()',
      'update_' || t || '_updated_at', t);
  END LOOP;
END
$triggers$;
