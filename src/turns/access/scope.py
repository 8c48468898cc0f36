"""The rows RLS lets a role see, restated as query conditions the planner can use.

RLS (the policies of migration 0002_security and later) stays the rule; these conditions
only help PostgreSQL find the same rows through an index.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import ColumnElement, false, func, or_, select

from turns.access.actions import SEES_EVERY_ROW
from turns.access.roles import MANAGERS
from turns.db import tables


def scope_hint(table: str, role: str, user_id: UUID, vendor_id: UUID | None) -> list[ColumnElement[bool]]:
    """The rows RLS lets ``role`` see, restated as conditions the planner can use.

    RLS alone stays the rule: these conditions never widen what a query returns. But a
    policy that ORs "is an admin" with "manages the property" cannot use an index, so a
    manager's turn list would scan every turn; stating the manager's branch in the query
    turns that into an index lookup per managed property (see docs/benchmarks.md).
    """
    if role in SEES_EVERY_ROW:
        return []
    if table == "turns":
        turns = tables.turns
        if role in MANAGERS:
            return [turns.c.property_id.in_(select(func.app_managed_property_ids()))]
        if role == "VENDOR" and vendor_id is not None:
            return [or_(turns.c.vendor_id == vendor_id, turns.c.flooring_vendor_id == vendor_id)]
    if table == "properties":
        properties = tables.properties
        if role in MANAGERS:
            return [or_(properties.c.property_manager_id == user_id, properties.c.sr_property_manager_id == user_id)]
        if role == "VENDOR":
            return [properties.c.id.in_(select(func.app_vendor_property_ids()))]
    if role == "USER" and table in ("turns", "properties"):
        return [false()]
    return []
