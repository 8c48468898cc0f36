"""SQLAlchemy Core descriptions of the tables the application queries.

The migrations (SQL) are the source of truth; these describe the same columns so
queries are built with names the type checker sees. ``tests/db/test_tables.py``
fails when the two drift apart.
"""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    FetchedValue,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import INET, JSON, JSONB, UUID

metadata = MetaData()

ROLES: tuple[str, ...] = (
    "SUPER_ADMIN",
    "ADMIN",
    "PROPERTY_MANAGER",
    "SR_PROPERTY_MANAGER",
    "VENDOR",
    "INSPECTOR",
    "DFO_APPROVER",
    "HO_APPROVER",
    "USER",
)
"""The nine user roles (the ``user_role`` enum); :mod:`turns.access.roles` groups them."""

user_role = Enum(*ROLES, name="user_role", create_type=False)
approval_status = Enum(
    "PENDING",
    "DFO_APPROVAL_NEEDED",
    "DFO_APPROVED",
    "HO_APPROVAL_NEEDED",
    "HO_APPROVED",
    "REJECTED",
    name="approval_status",
    create_type=False,
)
utility_status = Enum("YES", "NO", "PENDING", name="utility_status", create_type=False)
utility_type = Enum("POWER", "WATER", "GAS", name="utility_type", create_type=False)
audit_action = Enum("CREATE", "UPDATE", "DELETE", "VIEW", "EXPORT", name="audit_action", create_type=False)


def _base() -> list[Column[object]]:
    """The columns every table shares (the seed's base table pattern)."""
    return [
        Column("id", UUID(as_uuid=True), primary_key=True, server_default=FetchedValue()),
        Column("version", Integer, nullable=False, server_default=FetchedValue()),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=FetchedValue()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=FetchedValue()),
        Column("created_by", UUID(as_uuid=True), ForeignKey("users.id")),
        Column("updated_by", UUID(as_uuid=True), ForeignKey("users.id")),
    ]


users = Table(
    "users",
    metadata,
    *_base(),
    Column("email", String(255), nullable=False),
    Column("password_hash", String(255)),
    Column("first_name", String(100)),
    Column("last_name", String(100)),
    Column("phone", String(20)),
    Column("role", user_role, nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("email_verified", Boolean, nullable=False),
    Column("last_login", DateTime(timezone=True)),
    Column("vendor_id", UUID(as_uuid=True), ForeignKey("vendors.id", use_alter=True, name="users_vendor_id_fkey")),
)

vendors = Table(
    "vendors",
    metadata,
    *_base(),
    Column("company_name", String(255), nullable=False),
    Column("contact_name", String(255)),
    Column("email", String(255)),
    Column("phone", String(20)),
    Column("street_address", String(255)),
    Column("city", String(100)),
    Column("state", String(50)),
    Column("zip_code", String(20)),
    Column("tax_id", String(50)),
    Column("license_number", String(100)),
    Column("insurance_expiry", Date),
    Column("is_active", Boolean, nullable=False),
    Column("is_approved", Boolean, nullable=False),
    Column("average_rating", Numeric(3, 2)),
    Column("total_jobs", Integer, nullable=False),
    Column("trades", ARRAY(Text), nullable=False),
    Column("markets", ARRAY(Text), nullable=False),
)

utility_providers = Table(
    "utility_providers",
    metadata,
    *_base(),
    Column("name", String(255), nullable=False),
    Column("utility_type", utility_type, nullable=False),
    Column("phone", String(20)),
    Column("email", String(255)),
    Column("website", String(500)),
    Column("market", String(100)),
    Column("state", String(50)),
    Column("is_active", Boolean, nullable=False),
)

properties = Table(
    "properties",
    metadata,
    *_base(),
    Column("property_id", String(50), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("street_address", String(255), nullable=False),
    Column("city", String(100)),
    Column("state", String(50)),
    Column("zip_code", String(20)),
    Column("country", String(100)),
    Column("county", String(100)),
    Column("year_built", Integer),
    Column("market", String(100)),
    Column("area_sqft", Integer),
    Column("bedrooms", Numeric(3, 1)),
    Column("bathrooms", Numeric(3, 1)),
    Column("is_active", Boolean, nullable=False),
    Column("is_section_8", Boolean, nullable=False),
    Column("in_disposition", Boolean, nullable=False),
    Column("has_insurance", Boolean, nullable=False),
    Column("has_squatters", Boolean, nullable=False),
    Column("is_core", Boolean, nullable=False),
    Column("ownership_status", Boolean, nullable=False),
    Column("property_manager_id", UUID(as_uuid=True), ForeignKey("users.id")),
    Column("sr_property_manager_id", UUID(as_uuid=True), ForeignKey("users.id")),
    Column("move_in_date", Date),
    Column("move_out_date", Date),
)

turn_stages = Table(
    "turn_stages",
    metadata,
    *_base(),
    Column("name", String(100), nullable=False),
    Column("display_order", Integer, nullable=False, unique=True),
    Column("color", String(7)),
    Column("send_email_to_users", Boolean, nullable=False),
    Column("send_email_to_vendor", Boolean, nullable=False),
    Column("is_amount_required", Boolean, nullable=False),
    Column("is_vendor_required", Boolean, nullable=False),
    Column("requires_approval", Boolean, nullable=False),
    Column("is_complete_stage", Boolean, nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("requires_utilities_on", Boolean, nullable=False),
    Column("requires_final_walk", Boolean, nullable=False),
    Column("requires_lock_box", Boolean, nullable=False),
)

turns = Table(
    "turns",
    metadata,
    *_base(),
    Column("turn_id", String(50), nullable=False, unique=True),
    Column("property_id", UUID(as_uuid=True), ForeignKey("properties.id"), nullable=False),
    Column("stage_id", UUID(as_uuid=True), ForeignKey("turn_stages.id"), nullable=False),
    Column("wo_number", String(50)),
    Column("move_out_date", Date),
    Column("trash_out_needed", Boolean, nullable=False),
    Column("turn_amount", Numeric(10, 2)),
    Column("approved_turn_amount", Numeric(10, 2)),
    Column("change_order_amount", Numeric(10, 2)),
    Column("vendor_id", UUID(as_uuid=True), ForeignKey("vendors.id")),
    Column("turns_superintendent_id", UUID(as_uuid=True), ForeignKey("users.id")),
    Column("flooring_vendor_id", UUID(as_uuid=True), ForeignKey("vendors.id")),
    Column("expected_completion_date", Date),
    Column("occupancy_check_date", Date),
    Column("scope_approved_date", Date),
    Column("turn_assignment_date", Date),
    Column("final_walk_date", Date),
    Column("sent_to_leasing_date", Date),
    Column("scan_360_date", Date),
    Column("turn_completion_date", Date),
    Column("power_status", utility_status),
    Column("water_status", utility_status),
    Column("gas_status", utility_status),
    Column("power_provider_id", UUID(as_uuid=True), ForeignKey("utility_providers.id")),
    Column("water_provider_id", UUID(as_uuid=True), ForeignKey("utility_providers.id")),
    Column("gas_provider_id", UUID(as_uuid=True), ForeignKey("utility_providers.id")),
    Column("scope_approval_status", approval_status),
    Column("scope_submitted_by", UUID(as_uuid=True), ForeignKey("users.id")),
    Column("scope_submitted_at", DateTime(timezone=True)),
    Column("approval_requested_at", DateTime(timezone=True)),
    Column("dfo_approval_user_id", UUID(as_uuid=True), ForeignKey("users.id")),
    Column("dfo_approval_datetime", DateTime(timezone=True)),
    Column("ho_approval_user_id", UUID(as_uuid=True), ForeignKey("users.id")),
    Column("ho_approval_datetime", DateTime(timezone=True)),
    Column("reject_user_id", UUID(as_uuid=True), ForeignKey("users.id")),
    Column("reject_datetime", DateTime(timezone=True)),
    Column("reject_reason", String(500)),
    Column("order_inside_maps", Boolean, nullable=False),
    Column("generate_wo_email", Boolean, nullable=False),
    Column("appliances_needed", Boolean, nullable=False),
    Column("appliances_ordered", Boolean, nullable=False),
    Column("scope_photos_link", String(500)),
    Column("status", String(100)),
    Column("sub_status", String(100)),
    Column("is_active", Boolean, nullable=False),
    Column("lock_box_install_date", Date),
    Column("lock_box_location", String(255)),
    Column("primary_lock_box_code", String(50)),
    Column("final_walk_by", UUID(as_uuid=True), ForeignKey("users.id")),
    Column("move_in_date", Date),
    Column("sent_to_leasing_at", DateTime(timezone=True)),
    Column("sent_to_leasing_by", UUID(as_uuid=True), ForeignKey("users.id")),
)

turn_stage_history = Table(
    "turn_stage_history",
    metadata,
    *_base(),
    Column("turn_id", UUID(as_uuid=True), ForeignKey("turns.id"), nullable=False),
    Column("property_id", UUID(as_uuid=True), ForeignKey("properties.id"), nullable=False),
    Column("from_stage_id", UUID(as_uuid=True), ForeignKey("turn_stages.id")),
    Column("to_stage_id", UUID(as_uuid=True), ForeignKey("turn_stages.id"), nullable=False),
    Column("changed_by", UUID(as_uuid=True), ForeignKey("users.id")),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("note", String(1000)),
)

turn_date_changes = Table(
    "turn_date_changes",
    metadata,
    *_base(),
    Column("turn_id", UUID(as_uuid=True), ForeignKey("turns.id"), nullable=False),
    Column("property_id", UUID(as_uuid=True), ForeignKey("properties.id"), nullable=False),
    Column("field", String(50), nullable=False),
    Column("old_value", Date),
    Column("new_value", Date),
    Column("reason", String(500)),
    Column("changed_by", UUID(as_uuid=True), ForeignKey("users.id")),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

scope_lines = Table(
    "scope_lines",
    metadata,
    *_base(),
    Column("turn_id", UUID(as_uuid=True), ForeignKey("turns.id"), nullable=False),
    Column("property_id", UUID(as_uuid=True), ForeignKey("properties.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("trade", String(20), nullable=False),
    Column("description", String(500), nullable=False),
    Column("quantity", Numeric(10, 2), nullable=False),
    Column("unit", String(10), nullable=False),
    Column("unit_cost", Numeric(10, 2), nullable=False),
    Column("amount", Numeric(12, 2), nullable=False),
    Column("vendor_id", UUID(as_uuid=True), ForeignKey("vendors.id")),
    Column("chargeback", Boolean, nullable=False),
    Column("chargeback_amount", Numeric(12, 2)),
    Column("approved_amount", Numeric(12, 2)),
    Column("status", String(10), nullable=False),
    Column("done_at", DateTime(timezone=True)),
    Column("removed_at", DateTime(timezone=True)),
)

photos = Table(
    "photos",
    metadata,
    *_base(),
    Column("turn_id", UUID(as_uuid=True), ForeignKey("turns.id"), nullable=False),
    Column("property_id", UUID(as_uuid=True), ForeignKey("properties.id"), nullable=False),
    Column("subject", String(20), nullable=False),
    Column("subject_id", UUID(as_uuid=True)),
    Column("phase", String(10)),
    Column("caption", String(500)),
    Column("content_type", String(20), nullable=False),
    Column("uploaded_type", String(20), nullable=False),
    Column("byte_size", Integer, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("storage_key", String(200), nullable=False),
    Column("sizes_ready", Boolean, nullable=False),
)

bid_requests = Table(
    "bid_requests",
    metadata,
    *_base(),
    Column("turn_id", UUID(as_uuid=True), ForeignKey("turns.id"), nullable=False),
    Column("property_id", UUID(as_uuid=True), ForeignKey("properties.id"), nullable=False),
    Column("requested_by", UUID(as_uuid=True), ForeignKey("users.id"), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("note", String(1000)),
    Column("status", String(10), nullable=False),
    Column("awarded_bid_id", UUID(as_uuid=True)),
    Column("turn_code", String(50), nullable=False),
    Column("address", String(500), nullable=False),
)

bid_request_lines = Table(
    "bid_request_lines",
    metadata,
    *_base(),
    Column("request_id", UUID(as_uuid=True), ForeignKey("bid_requests.id"), nullable=False),
    Column("scope_line_id", UUID(as_uuid=True), ForeignKey("scope_lines.id"), nullable=False),
    Column("turn_id", UUID(as_uuid=True), ForeignKey("turns.id"), nullable=False),
    Column("trade", String(20), nullable=False),
    Column("description", String(500), nullable=False),
    Column("quantity", Numeric(10, 2), nullable=False),
    Column("unit", String(10), nullable=False),
)

bids = Table(
    "bids",
    metadata,
    *_base(),
    Column("request_id", UUID(as_uuid=True), ForeignKey("bid_requests.id"), nullable=False),
    Column("turn_id", UUID(as_uuid=True), ForeignKey("turns.id"), nullable=False),
    Column("vendor_id", UUID(as_uuid=True), ForeignKey("vendors.id"), nullable=False),
    Column("status", String(10), nullable=False),
    Column("submitted_at", DateTime(timezone=True)),
    Column("note", String(1000)),
    Column("total", Numeric(12, 2)),
)

bid_prices = Table(
    "bid_prices",
    metadata,
    *_base(),
    Column("bid_id", UUID(as_uuid=True), ForeignKey("bids.id"), nullable=False),
    Column("scope_line_id", UUID(as_uuid=True), ForeignKey("scope_lines.id"), nullable=False),
    Column("request_id", UUID(as_uuid=True), ForeignKey("bid_requests.id"), nullable=False),
    Column("turn_id", UUID(as_uuid=True), ForeignKey("turns.id"), nullable=False),
    Column("vendor_id", UUID(as_uuid=True), ForeignKey("vendors.id"), nullable=False),
    Column("unit_cost", Numeric(10, 2), nullable=False),
    Column("amount", Numeric(12, 2), nullable=False),
    Column("note", String(500)),
)

vendor_visits = Table(
    "vendor_visits",
    metadata,
    *_base(),
    Column("turn_id", UUID(as_uuid=True), ForeignKey("turns.id"), nullable=False),
    Column("property_id", UUID(as_uuid=True), ForeignKey("properties.id"), nullable=False),
    Column("vendor_id", UUID(as_uuid=True), ForeignKey("vendors.id"), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("status", String(10), nullable=False),
    Column("proposed_by", UUID(as_uuid=True), ForeignKey("users.id")),
    Column("countered_starts_on", Date),
    Column("countered_ends_on", Date),
    Column("note", String(500)),
)

inspection_templates = Table(
    "inspection_templates",
    metadata,
    *_base(),
    Column("name", String(100), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("is_active", Boolean, nullable=False),
)

inspection_template_items = Table(
    "inspection_template_items",
    metadata,
    *_base(),
    Column("template_id", UUID(as_uuid=True), ForeignKey("inspection_templates.id"), nullable=False),
    Column("area", String(60), nullable=False),
    Column("item", String(100), nullable=False),
    Column("trade", String(20), nullable=False),
    Column("unit", String(10), nullable=False),
    Column("position", Integer, nullable=False),
)

inspections = Table(
    "inspections",
    metadata,
    *_base(),
    Column("turn_id", UUID(as_uuid=True), ForeignKey("turns.id"), nullable=False),
    Column("property_id", UUID(as_uuid=True), ForeignKey("properties.id"), nullable=False),
    Column("template_id", UUID(as_uuid=True), ForeignKey("inspection_templates.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("status", String(12), nullable=False),
    Column("inspector_id", UUID(as_uuid=True), ForeignKey("users.id"), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
)

inspection_results = Table(
    "inspection_results",
    metadata,
    *_base(),
    Column("inspection_id", UUID(as_uuid=True), ForeignKey("inspections.id"), nullable=False),
    Column("turn_id", UUID(as_uuid=True), ForeignKey("turns.id"), nullable=False),
    Column("template_item_id", UUID(as_uuid=True), ForeignKey("inspection_template_items.id"), nullable=False),
    Column("condition", String(10), nullable=False),
    Column("note", String(500)),
    Column("quantity", Numeric(10, 2), nullable=False),
)

photo_blobs_gone = Table(
    "photo_blobs_gone",
    metadata,
    Column("storage_key", String(200), primary_key=True),
    Column("gone_at", DateTime(timezone=True), nullable=False),
)

photo_uploads = Table(
    "photo_uploads",
    metadata,
    Column("user_id", UUID(as_uuid=True), ForeignKey("users.id"), primary_key=True),
    Column("idempotency_key", String(200), primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("photo_id", UUID(as_uuid=True), ForeignKey("photos.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=FetchedValue()),
)

report_snapshots = Table(
    "report_snapshots",
    metadata,
    Column("report", String(50), primary_key=True),
    Column("body", JSON, nullable=False),
    Column("as_of", DateTime(timezone=True), nullable=False),
)

notifications = Table(
    "notifications",
    metadata,
    *_base(),
    Column("user_id", UUID(as_uuid=True), ForeignKey("users.id"), nullable=False),
    Column("kind", String(50), nullable=False),
    Column("title", String(255), nullable=False),
    Column("body", Text),
    Column("turn_id", UUID(as_uuid=True), ForeignKey("turns.id")),
    Column("property_id", UUID(as_uuid=True), ForeignKey("properties.id")),
    Column("link", String(500)),
    Column("is_read", Boolean, nullable=False),
    Column("read_at", DateTime(timezone=True)),
)

audit_logs = Table(
    "audit_logs",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=FetchedValue()),
    Column("table_name", String(100), nullable=False),
    Column("record_id", UUID(as_uuid=True), nullable=False),
    Column("action", audit_action, nullable=False),
    Column("user_id", UUID(as_uuid=True), ForeignKey("users.id")),
    Column("user_email", String(255), nullable=False),
    Column("user_name", String(255), nullable=False),
    Column("user_role", String(50), nullable=False),
    Column("ip_address", INET),
    Column("user_agent", Text),
    Column("session_id", UUID(as_uuid=True)),
    Column("old_values", JSONB),
    Column("new_values", JSONB),
    Column("changed_fields", ARRAY(Text)),
    Column("property_id", UUID(as_uuid=True)),
    Column("turn_id", UUID(as_uuid=True)),
    Column("vendor_id", UUID(as_uuid=True)),
    Column("context", String(255)),
    Column("metadata", JSONB),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

workflow_settings = Table(
    "workflow_settings",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=FetchedValue()),
    Column("ho_approval_threshold", Numeric(10, 2), nullable=False),
    Column("allow_self_approval", Boolean, nullable=False),
    Column("dfo_approval_threshold", Numeric(10, 2), nullable=False),
    *_base()[1:],
)

email_outbox = Table(
    "email_outbox",
    metadata,
    *_base(),
    Column("template", String(100), nullable=False),
    Column("recipients", ARRAY(Text), nullable=False),
    Column("context", JSONB, nullable=False),
    Column("turn_id", UUID(as_uuid=True), ForeignKey("turns.id")),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text),
    Column("sent_at", DateTime(timezone=True)),
)

# Columns the application role may not read (column privileges in the migrations).
UNREADABLE = {"users": {"password_hash"}, "turns": {"primary_lock_box_code"}}
