"""Which columns each role may read and write, beyond the rows RLS lets it see.

Rows are decided by the RLS policies (migration 0002_security); this module decides
columns, for the API and for sync alike, so a vendor sees the same fields whichever
way it reads a turn. Columns the application role can never read (password hash,
lock-box code) are not listed anywhere here.

:func:`visible` is the one gate every row passes on its way out: API bodies, the
``current`` row of a conflict, exports and the values inside audit rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from turns.access.roles import ADMINS, APPROVERS, MANAGERS
from turns.db import tables

INTERNAL = ADMINS | MANAGERS | APPROVERS | {"INSPECTOR", "USER"}

_BOOKKEEPING = ("id", "version", "created_at", "updated_at", "created_by", "updated_by")

# What a vendor user needs to do the work: where, what, when; no money, no approvals.
VENDOR_TURN_COLUMNS = frozenset(
    {
        *_BOOKKEEPING,
        "turn_id",
        "property_id",
        "stage_id",
        "wo_number",
        "move_out_date",
        "trash_out_needed",
        "vendor_id",
        "flooring_vendor_id",
        "expected_completion_date",
        "turn_assignment_date",
        "final_walk_date",
        "scan_360_date",
        "turn_completion_date",
        "power_status",
        "water_status",
        "gas_status",
        "power_provider_id",
        "water_provider_id",
        "gas_provider_id",
        "appliances_needed",
        "appliances_ordered",
        "scope_photos_link",
        "status",
        "sub_status",
        "is_active",
        "lock_box_install_date",
        "lock_box_location",
    }
)
VENDOR_PROPERTY_COLUMNS = frozenset(
    {
        *_BOOKKEEPING,
        "property_id",
        "name",
        "street_address",
        "city",
        "state",
        "zip_code",
        "country",
        "county",
        "market",
        "area_sqft",
        "bedrooms",
        "bathrooms",
        "has_squatters",
        "is_active",
        "property_manager_id",
        "sr_property_manager_id",
    }
)

# A vendor user reads its own lines of a scope (RLS) as a work order: what, how much, at what
# price, and whether it is done; not what the resident is charged back nor what was approved.
VENDOR_SCOPE_LINE_COLUMNS = frozenset(
    {
        *_BOOKKEEPING,
        "turn_id",
        "property_id",
        "position",
        "trade",
        "description",
        "quantity",
        "unit",
        "unit_cost",
        "amount",
        "vendor_id",
        "status",
        "done_at",
        "removed_at",
    }
)
"""Every other role reads every column of the lines RLS shows it: ``chargeback``,
``chargeback_amount`` and ``approved_amount`` are the ones a vendor user does not."""

# What everyone signed in reads about a colleague (the directory); admins read every readable column.
USER_DIRECTORY_COLUMNS = frozenset(
    {"id", "version", "email", "first_name", "last_name", "phone", "role", "is_active", "vendor_id", "created_at"}
)

# A notification is read by its recipient only (RLS): the message, its links and whether it
# was read. Who caused it and the row's bookkeeping stay in the audit trail.
NOTIFICATION_COLUMNS = frozenset(
    {
        "id",
        "version",
        "user_id",
        "kind",
        "title",
        "body",
        "turn_id",
        "property_id",
        "link",
        "is_read",
        "read_at",
        "created_at",
    }
)

AUDITED_VALUES = ("old_values", "new_values")

# Fields each role may change on a turn through the generic update (workflow actions —
# stage transitions, approvals, lock-box codes — have endpoints of their own).
TURN_FIELDS_BY_ROLE: dict[str, frozenset[str]] = {
    "VENDOR": frozenset(
        {
            "status",
            "sub_status",
            "appliances_ordered",
            "scope_photos_link",
            "scan_360_date",
            "power_status",
            "water_status",
            "gas_status",
        }
    ),
    "INSPECTOR": frozenset(
        {
            "final_walk_date",
            "final_walk_by",
            "occupancy_check_date",
            "scan_360_date",
            "status",
            "sub_status",
            "scope_photos_link",
        }
    ),
}


@cache
def readable_columns(table: str, role: str) -> frozenset[str]:
    """The columns of ``table`` that ``role`` may read."""
    described = tables.metadata.tables[table]
    everything = frozenset(c.name for c in described.columns) - tables.UNREADABLE.get(table, set())
    if table == "users" and role not in ADMINS:
        return everything & USER_DIRECTORY_COLUMNS
    if table == "notifications":
        return everything & NOTIFICATION_COLUMNS
    if role == "VENDOR":
        if table == "turns":
            return VENDOR_TURN_COLUMNS
        if table == "properties":
            return VENDOR_PROPERTY_COLUMNS
        if table == "scope_lines":
            return VENDOR_SCOPE_LINE_COLUMNS
    return everything


def visible(table: str, role: str, row: Mapping[Any, Any]) -> dict[str, Any]:
    """``row`` of ``table`` as ``role`` may read it: the columns it may not read left out.

    An audit row carries copies of the audited row (``old_values``, ``new_values``); those
    are cut to the columns ``role`` reads of the audited table, so a vendor's own status
    change does not show the turn's amounts. Secrets (stored as ``"[redacted]"`` by the
    audit trigger) are columns nobody reads, so they are left out too; ``changed_fields``
    names only the columns ``role`` reads and the secrets (that a lock-box code changed is
    worth knowing; its value is never shown). Tables the application does not describe
    (sessions: only their owner and admins see their trail) pass as they are.
    """
    readable = readable_columns(table, role)
    shown = {k: v for k, v in row.items() if k in readable}
    audited = row.get("table_name") if table == "audit_logs" else None
    if isinstance(audited, str) and audited in tables.metadata.tables:
        kept = readable_columns(audited, role)
        for key in AUDITED_VALUES:
            values = shown.get(key)
            if values is not None:
                shown[key] = {k: v for k, v in values.items() if k in kept}
        named = kept | tables.UNREADABLE.get(audited, set())
        if shown.get("changed_fields") is not None:
            shown["changed_fields"] = [f for f in shown["changed_fields"] if f in named]
    return shown
