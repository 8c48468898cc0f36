"""What can be exported: for each resource its table, filters, columns and order.

Rows are whatever RLS lets the acting user see; columns are the ones
:func:`turns.access.readable_columns` gives the user's role, in table order. Columns the
application role cannot read at all (the lock-box code, password hashes) are never
selected, and the database would refuse them if they were.

Filters are the list endpoints' filters: turns reuse :class:`turns.unit_turns.service.TurnFilters`,
the audit log :class:`turns.audit.service.AuditFilters`; properties have the same query
parameters as ``GET /api/v1/properties``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, FromClause, Select, Table, select

from turns.access.columns import readable_columns
from turns.audit.service import AuditFilters as AuditFilters  # re-exported for exports.endpoints
from turns.db.tables import audit_logs, properties, turns, vendors
from turns.exports.cells import gated, raw_cell, readable_cell
from turns.exports.fields import NAMES, Field, readable_fields
from turns.exports.options import ExportOptions
from turns.properties.service import PropertyFilters as PropertyFilters  # re-exported for exports.endpoints
from turns.unit_turns.service import TurnFilters
from turns.vendors.service import VendorFilters as VendorFilters  # re-exported for exports.endpoints

ResourceName = Literal["turns", "properties", "vendors", "audit"]
Format = Literal["csv", "xlsx", "pdf"]


Filters = TurnFilters | PropertyFilters | VendorFilters | AuditFilters


@dataclass(frozen=True)
class Resource:
    name: ResourceName
    title: str
    """The readable form's title (a PDF's heading, a workbook's sheet)."""
    table: Table
    filters: type[Filters]
    order_by: tuple[str, ...]
    """Stable order: the list endpoint's default sort, then the id."""
    descending: bool
    pdf_columns: tuple[str, ...]
    """A PDF page holds a handful of columns: these, where the role may read them."""
    fields: tuple[Field, ...]
    """The readable form's columns (see :mod:`turns.exports.fields`)."""
    pdf_fields: tuple[str, ...]
    """The readable PDF's columns, by source column."""

    def columns(self, role: str, fmt: str = "csv") -> list[str]:
        readable = readable_columns(self.table.name, role)
        if fmt == "pdf":
            return [c for c in self.pdf_columns if c in readable]
        return [c.name for c in self.table.columns if c.name in readable]

    def query(self, filters: Filters, role: str, fmt: str) -> Select[tuple[object, ...]]:
        return (
            select(*(self.table.c[c] for c in self.columns(role, fmt)))
            .where(*filters.conditions(readable_columns(self.table.name, role)))
            .order_by(*self._ordering())
        )

    def readable(self, role: str, fmt: str = "csv") -> list[Field]:
        """The readable form's fields ``role`` reads: those whose source column it reads."""
        readable = readable_columns(self.table.name, role)
        chosen = [f for f in self.fields if f.source in readable]
        if fmt == "pdf":
            return sorted(
                (f for f in chosen if f.source in self.pdf_fields), key=lambda f: self.pdf_fields.index(f.source)
            )
        return chosen

    def export_query(self, filters: Filters, role: str, fmt: str, raw: bool) -> Select[tuple[object, ...]]:
        return self.query(filters, role, fmt) if raw else self.readable_query(filters, role, fmt)

    def readable_query(self, filters: Filters, role: str, fmt: str) -> Select[tuple[object, ...]]:
        """The source columns of the fields ``role`` reads, and each named id's name through a
        LEFT JOIN (an id the reader cannot see the row of shows no name)."""
        fields = self.readable(role, fmt)
        joined, names = self._names(fields)
        sources = dict.fromkeys(f.source for f in fields)
        return (
            select(*(self.table.c[c] for c in sources), *(name.label(key) for key, name in names.items()))
            .select_from(joined)
            .where(*filters.conditions(readable_columns(self.table.name, role)))
            .order_by(*self._ordering())
        )

    def copy_query(self, filters: Filters, role: str, options: ExportOptions) -> Select[tuple[object, ...]]:
        """The CSV export as text cells named by its headers, for ``COPY (...) TO STDOUT
        (FORMAT csv, HEADER)``: the rows, order and columns of :meth:`export_query`, each cell
        as :mod:`turns.exports.cells` writes it."""
        table = self.table.name
        if options.raw:
            cells = [raw_cell(gated(table, role, c)).label(c) for c in self.columns(role)]
            return self.query(filters, role, "csv").with_only_columns(*cells)
        fields = self.readable(role)
        joined, names = self._named_cells(fields)
        shown = [
            (names[f.key()] if f.names else readable_cell(f, gated(table, role, f.source), options.date_format)).label(
                f.header
            )
            for f in fields
        ]
        return (
            select(*shown)
            .select_from(joined)
            .where(*filters.conditions(readable_columns(table, role)))
            .order_by(*self._ordering())
        )

    def _names(self, fields: Sequence[Field]) -> tuple[FromClause, dict[str, ColumnElement[Any]]]:
        """The table LEFT JOINed to the rows its named ids point to, and each name by its
        field's key."""
        joined: FromClause = self.table
        names: dict[str, ColumnElement[Any]] = {}
        for f in fields:
            if f.names is not None:
                target, namer = NAMES[f.names]
                other = target.alias(f"{f.source}_names")
                joined = joined.outerjoin(other, other.c.id == self.table.c[f.source])
                names[f.key()] = namer(other)
        return joined, names

    def _named_cells(self, fields: Sequence[Field]) -> tuple[FromClause, dict[str, ColumnElement[Any]]]:
        """As :meth:`_names`, but each name already as its cell (see :func:`readable_cell`), made in
        a subquery of the named table: an export of a million turns names the same few thousand
        users, vendors and homes over and over. PostgreSQL computes a (non-strict) cell of the
        nullable side of an outer join where it reads that side's row, so once per named row in
        a hash join rather than once per exported row, and still looks a few rows up by their
        index when the export is small."""
        joined: FromClause = self.table
        cells: dict[str, ColumnElement[Any]] = {}
        for f in fields:
            if f.names is not None:
                target, namer = NAMES[f.names]
                cell = readable_cell(f, namer(target), "iso")  # a name has no date to format
                other = select(target.c.id, cell.label("cell")).subquery(f"{f.source}_names")
                joined = joined.outerjoin(other, other.c.id == self.table.c[f.source])
                cells[f.key()] = other.c.cell
        return joined, cells

    def _ordering(self) -> list[ColumnElement[Any]]:
        return [self.table.c[c].desc() if self.descending else self.table.c[c] for c in self.order_by]

    def parse_filters(self, stored: dict[str, object]) -> Filters:
        parsed = self.filters.model_validate(stored)
        assert isinstance(parsed, Filters)
        return parsed


RESOURCES: dict[str, Resource] = {
    "turns": Resource(
        "turns",
        "Turns",
        turns,
        TurnFilters,
        ("created_at", "id"),
        True,
        ("turn_id", "wo_number", "move_out_date", "scope_approval_status", "turn_amount", "status"),
        readable_fields(turns),
        ("turn_id", "property_id", "stage_id", "move_out_date", "vendor_id", "scope_approval_status", "turn_amount"),
    ),
    "properties": Resource(
        "properties",
        "Properties",
        properties,
        PropertyFilters,
        ("property_id", "id"),
        False,
        ("property_id", "name", "street_address", "city", "state", "market"),
        readable_fields(properties),
        ("property_id", "name", "street_address", "city", "state", "market", "property_manager_id"),
    ),
    "vendors": Resource(
        "vendors",
        "Vendors",
        vendors,
        VendorFilters,
        ("company_name", "id"),
        False,
        ("company_name", "contact_name", "email", "phone", "city", "state"),
        readable_fields(vendors),
        ("company_name", "contact_name", "email", "phone", "city", "state", "is_approved"),
    ),
    "audit": Resource(
        "audit",
        "Audit trail",
        audit_logs,
        AuditFilters,
        ("created_at", "id"),
        True,
        ("created_at", "action", "table_name", "record_id", "user_email", "context"),
        readable_fields(audit_logs, frozenset({"user_id"}), first="created_at"),
        ("created_at", "action", "table_name", "user_name", "user_role", "turn_id", "property_id"),
    ),
}
