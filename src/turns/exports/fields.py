"""The readable form of an export: a header in words, a name for each id, a label for
each code, and how each cell is written (date, time, money, number, yes/no or text).

Each :class:`Field` shows one column of the exported table, its *source*: the value
itself, or, for an id, a name read through a LEFT JOIN in the export's own query (so as
the acting user, RLS deciding which names show). A field is in an export only when the
reader's role reads its source column, and a name is written only when the id it stands
for passed the column gate on that row: a name never tells more than its id would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Boolean, Date, DateTime, Enum, FromClause, Integer, Numeric, Table, func
from sqlalchemy.sql.elements import ColumnElement

from turns.db.tables import ROLES, properties, turn_stages, turns, users, utility_providers, vendors
from turns.vendors.trades import TRADE_LABELS

Kind = Literal["text", "date", "time", "money", "number", "yes_no", "column_names"]
Namer = Callable[[FromClause], ColumnElement[Any]]

MONEY = frozenset({"turn_amount", "approved_turn_amount", "change_order_amount"})
UNSHOWN = frozenset({"id", "version"})
"""Bookkeeping a person has no use for: the raw form keeps them."""


def _upper_words(code: str) -> str:
    return code.replace("_", " ").capitalize()


ACRONYMS = ("dfo", "ho", "id", "wo", "hvac")
"""Words written in capitals in headers and labels."""


def _acronyms(label: str) -> str:
    return " ".join(w.upper() if w.lower() in ACRONYMS else w for w in label.split(" "))


ROLE_LABELS = {role: _acronyms(_upper_words(role)).replace("Sr ", "Senior ") for role in ROLES}
APPROVAL_LABELS = {
    "PENDING": "Pending",
    "DFO_APPROVAL_NEEDED": "DFO approval needed",
    "DFO_APPROVED": "DFO approved",
    "HO_APPROVAL_NEEDED": "HO approval needed",
    "HO_APPROVED": "HO approved",
    "REJECTED": "Rejected",
}
UTILITY_LABELS = {"YES": "On", "NO": "Off", "PENDING": "Pending"}
UTILITY_TYPE_LABELS = {"POWER": "Power", "WATER": "Water", "GAS": "Gas"}
ACTION_LABELS = {"CREATE": "Created", "UPDATE": "Updated", "DELETE": "Deleted", "VIEW": "Viewed", "EXPORT": "Exported"}
TABLE_LABELS = {
    "turns": "Turn",
    "properties": "Property",
    "vendors": "Vendor",
    "users": "User",
    "utility_providers": "Utility provider",
    "turn_stages": "Stage",
    "turn_stage_history": "Stage change",
    "notifications": "Notification",
    "workflow_settings": "Workflow settings",
    "sessions": "Session",
    "imports": "Import",
    "turn_date_changes": "Date change",
}
ENUM_LABELS = {
    "user_role": ROLE_LABELS,
    "approval_status": APPROVAL_LABELS,
    "utility_status": UTILITY_LABELS,
    "utility_type": UTILITY_TYPE_LABELS,
    "audit_action": ACTION_LABELS,
}


def _full_name(user: FromClause) -> ColumnElement[Any]:
    return func.coalesce(func.nullif(func.concat_ws(" ", user.c.first_name, user.c.last_name), ""), user.c.email)


def _address(home: FromClause) -> ColumnElement[Any]:
    return func.concat_ws(", ", home.c.street_address, home.c.city, home.c.state)


NAMES: dict[str, tuple[Table, Namer]] = {
    "users": (users, _full_name),
    "vendors": (vendors, lambda v: v.c.company_name),
    "properties": (properties, _address),
    "turn_stages": (turn_stages, lambda s: s.c.name),
    "utility_providers": (utility_providers, lambda p: p.c.name),
    "turns": (turns, lambda t: t.c.turn_id),
}
"""For a referenced table, the words that name one of its rows."""

HEADERS = {
    "turn_id": "Turn",
    "property_id": "Property",
    "stage_id": "Stage",
    "wo_number": "Work order",
    "move_out_date": "Move-out date",
    "move_in_date": "Move-in date",
    "trash_out_needed": "Trash-out needed",
    "vendor_id": "Vendor",
    "turns_superintendent_id": "Superintendent",
    "flooring_vendor_id": "Flooring vendor",
    "scan_360_date": "360 scan date",
    "power_provider_id": "Power provider",
    "water_provider_id": "Water provider",
    "gas_provider_id": "Gas provider",
    "power_status": "Power",
    "water_status": "Water",
    "gas_status": "Gas",
    "scope_approval_status": "Scope approval",
    "scope_submitted_by": "Scope submitted by",
    "dfo_approval_user_id": "DFO approver",
    "dfo_approval_datetime": "DFO approved at",
    "ho_approval_user_id": "HO approver",
    "ho_approval_datetime": "HO approved at",
    "reject_user_id": "Rejected by",
    "reject_datetime": "Rejected at",
    "is_active": "Active",
    "is_approved": "Approved",
    "is_section_8": "Section 8",
    "in_disposition": "In disposition",
    "has_insurance": "Insured",
    "has_squatters": "Squatters",
    "is_core": "Core",
    "ownership_status": "Owned",
    "property_manager_id": "Property manager",
    "sr_property_manager_id": "Senior property manager",
    "area_sqft": "Area (sq ft)",
    "zip_code": "ZIP code",
    "tax_id": "Tax ID",
    "created_by": "Created by",
    "updated_by": "Updated by",
    "created_at": "Created at",
    "updated_at": "Updated at",
    "table_name": "Record type",
    "record_id": "Record ID",
    "user_name": "User",
    "user_email": "User e-mail",
    "user_role": "User role",
    "ip_address": "IP address",
}


@dataclass(frozen=True)
class Field:
    """One column of a readable export."""

    source: str
    """The table's column shown; the reader must read it for the field to be there."""
    header: str
    kind: Kind = "text"
    labels: Mapping[str, str] = field(default_factory=dict)
    """Words for the codes the column holds (an enum's values, a list's items)."""
    names: str | None = None
    """The referenced table whose row the id is shown by name (see :data:`NAMES`)."""

    def key(self) -> str:
        """The name of this field's value in the export query's rows."""
        return f"{self.source}__name" if self.names else self.source


def header_of(column: str) -> str:
    """A column's (or a filter's) name in words."""
    if column in HEADERS:
        return HEADERS[column]
    return _acronyms(_upper_words(column.removesuffix("_id")))


def _field(table: Table, column: str) -> Field:
    described = table.c[column]
    kind: Kind = "text"
    labels: Mapping[str, str] = {}
    names = None
    if column in MONEY:
        kind = "money"
    elif isinstance(described.type, Enum):
        labels = ENUM_LABELS.get(str(described.type.name), {})
    elif isinstance(described.type, Boolean):
        kind = "yes_no"
    elif isinstance(described.type, DateTime):
        kind = "time"
    elif isinstance(described.type, Date):
        kind = "date"
    elif isinstance(described.type, Numeric | Integer):
        kind = "number"
    if table.name == "audit_logs" and column == "table_name":
        labels = TABLE_LABELS
    if table.name == "audit_logs" and column == "user_role":
        labels = ROLE_LABELS
    if table.name == "vendors" and column == "trades":
        labels = TRADE_LABELS
    if table.name == "audit_logs" and column == "changed_fields":
        kind = "column_names"
    targets = [fk.column.table.name for fk in described.foreign_keys]
    if table.name == "audit_logs" and column in ("property_id", "turn_id", "vendor_id"):
        targets = [{"property_id": "properties", "turn_id": "turns", "vendor_id": "vendors"}[column]]
    if targets and targets[0] in NAMES:
        names = targets[0]
    header = header_of(column) if names or column not in ("property_id", "turn_id") else _acronyms(_upper_words(column))
    return Field(column, header, kind, labels, names)


def readable_fields(table: Table, skip: frozenset[str] = frozenset(), first: str | None = None) -> tuple[Field, ...]:
    """Every column of ``table`` in its readable form, in table order (``first`` first), but
    bookkeeping ids and ``skip``."""
    columns = [c.name for c in table.columns if c.name not in UNSHOWN | skip]
    if first is not None:
        columns.remove(first)
        columns.insert(0, first)
    return tuple(_field(table, c) for c in columns)
