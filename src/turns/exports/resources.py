"""What can be exported: for each resource its table, filters, columns and order.

Rows are whatever RLS lets the acting user see; columns are the ones
:func:`turns.access.readable_columns` gives the user's role, in table order. Columns the
application role cannot read at all (the lock-box code, password hashes) are never
selected, and the database would refuse them if they were.

Filters are the list endpoints' filters: turns reuse :class:`turns.turns.service.TurnFilters`,
the audit log :class:`turns.audit.service.AuditFilters`; properties have the same query
parameters as ``GET /api/v1/properties``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, Select, Table, or_, select

from turns.access import readable_columns
from turns.audit.service import AuditFilters as AuditFilters  # re-exported for exports.endpoints
from turns.db.tables import audit_logs, properties, turns, vendors
from turns.kit.errors import Forbidden
from turns.turns.service import TurnFilters
from turns.vendors.service import VendorFilters as VendorFilters  # re-exported for exports.endpoints

_NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL; refuse it here as a 422


def _text(max_length: int) -> Any:
    return Field(default=None, max_length=max_length, pattern=_NO_NUL)


ResourceName = Literal["turns", "properties", "vendors", "audit"]
Format = Literal["csv", "xlsx", "pdf"]


class PropertyFilters(BaseModel):
    """The filters of ``GET /api/v1/properties``."""

    model_config = ConfigDict(extra="forbid")

    market: str | None = _text(100)
    state: str | None = _text(50)
    city: str | None = _text(100)
    manager_id: UUID | None = Field(default=None, description="Property manager or senior manager")
    active: bool | None = None
    move_out_from: date | None = None
    move_out_to: date | None = None

    def conditions(self, readable: frozenset[str]) -> list[ColumnElement[bool]]:
        """The WHERE conditions; filtering on a column the caller may not read would leak it."""
        used = {
            "market": self.market,
            "state": self.state,
            "city": self.city,
            "is_active": self.active,
            "property_manager_id": self.manager_id,
            "sr_property_manager_id": self.manager_id,
            "move_out_date": self.move_out_from or self.move_out_to,
        }
        hidden = sorted(c for c, v in used.items() if v is not None and c not in readable)
        if hidden:
            raise Forbidden(f"your role may not filter on {', '.join(hidden)}", fields=hidden)
        found: list[ColumnElement[bool]] = []
        for column, value in (("market", self.market), ("state", self.state), ("city", self.city)):
            if value is not None:
                found.append(properties.c[column] == value)
        if self.active is not None:
            found.append(properties.c.is_active == self.active)
        if self.manager_id is not None:
            found.append(
                or_(
                    properties.c.property_manager_id == self.manager_id,
                    properties.c.sr_property_manager_id == self.manager_id,
                )
            )
        if self.move_out_from is not None:
            found.append(properties.c.move_out_date >= self.move_out_from)
        if self.move_out_to is not None:
            found.append(properties.c.move_out_date <= self.move_out_to)
        return found


Filters = TurnFilters | PropertyFilters | VendorFilters | AuditFilters


@dataclass(frozen=True)
class Resource:
    name: ResourceName
    table: Table
    filters: type[Filters]
    order_by: tuple[str, ...]
    """Stable order: the list endpoint's default sort, then the id."""
    descending: bool
    pdf_columns: tuple[str, ...]
    """A PDF page holds a handful of columns: these, where the role may read them."""

    def columns(self, role: str, fmt: str = "csv") -> list[str]:
        readable = readable_columns(self.table.name, role)
        if fmt == "pdf":
            return [c for c in self.pdf_columns if c in readable]
        return [c.name for c in self.table.columns if c.name in readable]

    def query(self, filters: Filters, role: str, fmt: str) -> Select[tuple[object, ...]]:
        ordering = [self.table.c[c].desc() if self.descending else self.table.c[c] for c in self.order_by]
        return (
            select(*(self.table.c[c] for c in self.columns(role, fmt)))
            .where(*filters.conditions(readable_columns(self.table.name, role)))
            .order_by(*ordering)
        )

    def parse_filters(self, stored: dict[str, object]) -> Filters:
        parsed = self.filters.model_validate(stored)
        assert isinstance(parsed, Filters)
        return parsed


RESOURCES: dict[str, Resource] = {
    "turns": Resource(
        "turns",
        turns,
        TurnFilters,
        ("created_at", "id"),
        True,
        ("turn_id", "wo_number", "move_out_date", "scope_approval_status", "turn_amount", "status"),
    ),
    "properties": Resource(
        "properties",
        properties,
        PropertyFilters,
        ("property_id", "id"),
        False,
        ("property_id", "name", "street_address", "city", "state", "market"),
    ),
    "vendors": Resource(
        "vendors",
        vendors,
        VendorFilters,
        ("company_name", "id"),
        False,
        ("company_name", "contact_name", "email", "phone", "city", "state"),
    ),
    "audit": Resource(
        "audit",
        audit_logs,
        AuditFilters,
        ("created_at", "id"),
        True,
        ("created_at", "action", "table_name", "record_id", "user_email", "context"),
    ),
}
