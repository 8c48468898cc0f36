"""The schema holds every table, column and enum value of the seed document, with the seed's
types and defaults, as corrected by the errata (seed-errata.md)."""

from __future__ import annotations

import re

import psycopg

from turns.db.urls import DatabaseUrls

NN = "not null"
BASE = """
id uuid not null default gen_random_uuid()
version integer not null default 1
created_at timestamp with time zone not null default now()
updated_at timestamp with time zone not null default now()
created_by uuid
updated_by uuid
"""

# One line per column: name, type as PostgreSQL names it, then "not null" and/or "default <expr>"
# (the default without its trailing cast). Written from the seed document; the errata's changes
# are marked.
EXPECTED: dict[str, str] = {
    "users": BASE
    + """
email character varying(255) not null
password_hash character varying(255)
first_name character varying(100)
last_name character varying(100)
phone character varying(20)
role user_role not null default 'USER'
is_active boolean not null default true
email_verified boolean not null default false
last_login timestamp with time zone
""",
    # Errata 13: the token is stored only as its SHA-256; errata 8: base columns.
    "sessions": BASE
    + """
user_id uuid not null
token_hash bytea not null
expires_at timestamp with time zone not null
""",
    "properties": BASE
    + """
property_id character varying(50) not null
name character varying(255) not null
street_address character varying(255) not null
city character varying(100)
state character varying(50)
zip_code character varying(20)
country character varying(100) default 'United States'
county character varying(100)
year_built integer
market character varying(100)
area_sqft integer
bedrooms numeric(3,1)
bathrooms numeric(3,1)
is_active boolean not null default true
is_section_8 boolean not null default false
in_disposition boolean not null default false
has_insurance boolean not null default false
has_squatters boolean not null default false
is_core boolean not null default true
ownership_status boolean not null default false
property_manager_id uuid
sr_property_manager_id uuid
move_in_date date
move_out_date date
""",
    # Errata 21: created_by / updated_by come with the base columns.
    "turn_stages": BASE
    + """
name character varying(100) not null
display_order integer not null
color character varying(7) default '#000000'
send_email_to_users boolean not null default false
send_email_to_vendor boolean not null default false
is_amount_required boolean not null default false
is_vendor_required boolean not null default false
requires_approval boolean not null default false
is_complete_stage boolean not null default false
is_active boolean not null default true
""",
    "turns": BASE
    + """
turn_id character varying(50) not null
property_id uuid not null
stage_id uuid not null
wo_number character varying(50)
move_out_date date
trash_out_needed boolean not null default false
turn_amount numeric(10,2)
approved_turn_amount numeric(10,2)
change_order_amount numeric(10,2)
vendor_id uuid
turns_superintendent_id uuid
flooring_vendor_id uuid
expected_completion_date date
occupancy_check_date date
scope_approved_date date
turn_assignment_date date
final_walk_date date
sent_to_leasing_date date
scan_360_date date
turn_completion_date date
power_status utility_status default 'PENDING'
water_status utility_status default 'PENDING'
gas_status utility_status default 'PENDING'
scope_approval_status approval_status default 'PENDING'
dfo_approval_user_id uuid
dfo_approval_datetime timestamp with time zone
ho_approval_user_id uuid
ho_approval_datetime timestamp with time zone
reject_user_id uuid
reject_datetime timestamp with time zone
reject_reason character varying(500)
order_inside_maps boolean not null default false
generate_wo_email boolean not null default false
appliances_needed boolean not null default false
appliances_ordered boolean not null default false
scope_photos_link character varying(500)
status character varying(100)
sub_status character varying(100)
is_active boolean not null default true
lock_box_install_date date
lock_box_location character varying(255)
primary_lock_box_code character varying(50)
""",
    "vendors": BASE
    + """
company_name character varying(255) not null
contact_name character varying(255)
email character varying(255)
phone character varying(20)
street_address character varying(255)
city character varying(100)
state character varying(50)
zip_code character varying(20)
tax_id character varying(50)
license_number character varying(100)
insurance_expiry date
is_active boolean not null default true
is_approved boolean not null default false
average_rating numeric(3,2)
total_jobs integer not null default 0
""",
    # Append-only: no base update columns. Errata 20: user_id is nullable (system actions).
    "audit_logs": """
id uuid not null default gen_random_uuid()
table_name character varying(100) not null
record_id uuid not null
action audit_action not null
user_id uuid
user_email character varying(255) not null
user_name character varying(255) not null
user_role character varying(50) not null
ip_address inet
user_agent text
session_id uuid
old_values jsonb
new_values jsonb
changed_fields text[]
property_id uuid
turn_id uuid
vendor_id uuid
context character varying(255)
metadata jsonb
created_at timestamp with time zone not null default now()
""",
    # Errata 7: the two tables the publication names but the seed never defines.
    "utility_providers": BASE
    + """
name character varying(255) not null
utility_type utility_type not null
is_active boolean not null default true
""",
    "notifications": BASE
    + """
user_id uuid not null
kind character varying(50) not null
title character varying(255) not null
turn_id uuid
is_read boolean not null default false
""",
    "turn_stage_history": BASE
    + """
turn_id uuid not null
property_id uuid not null
from_stage_id uuid
to_stage_id uuid not null
changed_at timestamp with time zone not null default now()
""",
}

ENUMS = {
    "user_role": [
        "SUPER_ADMIN",
        "ADMIN",
        "PROPERTY_MANAGER",
        "SR_PROPERTY_MANAGER",
        "VENDOR",
        "INSPECTOR",
        "DFO_APPROVER",
        "HO_APPROVER",
        "USER",
    ],
    "approval_status": [
        "PENDING",
        "DFO_APPROVAL_NEEDED",
        "DFO_APPROVED",
        "HO_APPROVAL_NEEDED",
        "HO_APPROVED",
        "REJECTED",
    ],
    "utility_status": ["YES", "NO", "PENDING"],
    "audit_action": ["CREATE", "UPDATE", "DELETE", "VIEW", "EXPORT"],
}

# Foreign keys of the seed (column -> referenced table).
FOREIGN_KEYS = {
    ("turns", "property_id"): "properties",
    ("turns", "stage_id"): "turn_stages",
    ("turns", "vendor_id"): "vendors",
    ("turns", "flooring_vendor_id"): "vendors",
    ("turns", "turns_superintendent_id"): "users",
    ("properties", "property_manager_id"): "users",
    ("properties", "sr_property_manager_id"): "users",
    ("sessions", "user_id"): "users",
    ("audit_logs", "user_id"): "users",
    ("users", "created_by"): "users",
}

_CAST = re.compile(r"::[a-z_ ]+(\(\d+(,\d+)?\))?$")


def _parse(spec: str) -> dict[str, tuple[str, bool, str | None]]:
    columns: dict[str, tuple[str, bool, str | None]] = {}
    for line in filter(None, map(str.strip, spec.splitlines())):
        name, rest = line.split(" ", 1)
        default = None
        if " default " in f" {rest}":
            rest, default = re.split(r"\s*default ", rest, maxsplit=1)
        not_null = rest.endswith(NN)
        columns[name] = (rest.removesuffix(NN).strip(), not_null, default)
    return columns


def _actual(conn: psycopg.Connection[tuple[object, ...]], table: str) -> dict[str, tuple[str, bool, str | None]]:
    rows = conn.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid)"
        " FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
        " WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
        (f"public.{table}",),
    ).fetchall()
    return {
        str(name): (str(type_), bool(not_null), _CAST.sub("", str(default)) if default is not None else None)
        for name, type_, not_null, default in rows
    }


def test_every_seed_column_has_its_type_nullability_and_default(db: DatabaseUrls) -> None:
    with psycopg.connect(db.owner) as conn:
        for table, spec in EXPECTED.items():
            actual = _actual(conn, table)
            for column, expected in _parse(spec).items():
                assert actual.get(column) == expected, f"{table}.{column}"


def test_secrets_are_not_stored_in_clear(db: DatabaseUrls) -> None:
    """Errata 13: no `token` column; the hash is exactly a SHA-256."""
    with psycopg.connect(db.owner) as conn:
        assert "token" not in _actual(conn, "sessions")
        check = conn.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'sessions'::regclass AND contype = 'c'"
        ).fetchall()
    assert any("octet_length(token_hash) = 32" in str(c[0]) for c in check)


def test_enum_values_in_seed_order(db: DatabaseUrls) -> None:
    with psycopg.connect(db.owner) as conn:
        for enum, values in ENUMS.items():
            rows = conn.execute(
                "SELECT enumlabel FROM pg_enum WHERE enumtypid = %s::regtype ORDER BY enumsortorder", (enum,)
            ).fetchall()
            assert [r[0] for r in rows] == values, enum


def test_foreign_keys_and_unique_keys(db: DatabaseUrls) -> None:
    """Errata 1: `turns.vendor_id` refers to `vendors` (created first, so the migration runs)."""
    with psycopg.connect(db.owner) as conn:
        fks = {
            (str(r[0]), str(r[1])): str(r[2])
            for r in conn.execute(
                "SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text FROM pg_constraint c"
                " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
                " WHERE c.contype = 'f' AND cardinality(c.conkey) = 1"
            )
        }
        uniques = {
            str(r[0])
            for r in conn.execute(
                "SELECT indexrelid::regclass::text FROM pg_index WHERE indisunique AND indrelid IN"
                " ('users'::regclass, 'properties'::regclass, 'turns'::regclass, 'turn_stages'::regclass)"
            )
        }
    for key, target in FOREIGN_KEYS.items():
        assert fks.get(key) == target, key
    assert {"users_email_lower_key", "properties_property_id_key", "turns_turn_id_key"} <= uniques
    assert "turn_stages_display_order_key" in uniques


def test_seed_indexes_exist(db: DatabaseUrls) -> None:
    """Every named index of the seed except the moving-window one (errata 2)."""
    wanted = {
        "idx_users_email",
        "idx_users_role",
        "idx_users_is_active",
        "idx_sessions_user_id",
        "idx_sessions_expires",
        "idx_properties_property_id",
        "idx_properties_is_active",
        "idx_properties_is_core",
        "idx_properties_manager",
        "idx_properties_sr_manager",
        "idx_properties_shape_filter",
        "idx_turn_stages_order",
        "idx_turn_stages_active",
        "idx_turns_turn_id",
        "idx_turns_property_id",
        "idx_turns_stage_id",
        "idx_turns_vendor_id",
        "idx_turns_is_active",
        "idx_turns_approval_status",
        "idx_turns_active_shape",
        "idx_vendors_is_active",
        "idx_vendors_is_approved",
        "idx_vendors_active_approved",
        "idx_vendors_company_name",
        "idx_audit_table_record",
        "idx_audit_user_id",
        "idx_audit_created_at",
        "idx_audit_property_id",
        "idx_audit_turn_id",
        "idx_audit_action_delete",
        "idx_properties_active_manager",
        "idx_turns_pending_approval",
        "idx_shape_properties",
        "idx_shape_turns",
        "idx_shape_vendors",
        "idx_properties_covering",
        "property_summary_id_key",
    }
    with psycopg.connect(db.owner) as conn:
        names = {str(r[0]) for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
    assert wanted - names == set()


def test_reference_data(db: DatabaseUrls) -> None:
    """The seed's five stages, in order, and the system user that system actions act as."""
    with psycopg.connect(db.superuser or db.owner) as conn:
        stages = conn.execute(
            "SELECT name, display_order, is_active FROM turn_stages ORDER BY display_order"
        ).fetchall()
        system = conn.execute(
            "SELECT email, role::text FROM users WHERE id = '00000000-0000-0000-0000-000000000001'"
        ).fetchall()
    assert stages == [
        ("Draft", 1, True),
        ("Scope Approval", 2, True),
        ("In Progress", 3, True),
        ("Final Walk", 4, True),
        ("Complete", 5, True),
    ]
    assert system == [("system@turns.invalid", "SUPER_ADMIN")]
