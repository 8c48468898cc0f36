"""Properties: the table the endpoints serve, the rules beyond RLS (who may reassign a portfolio),
and the filters of property lists and exports."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, or_

from turns.access.actions import REASSIGNS_PROPERTY_MANAGER
from turns.access.identity import CurrentUser
from turns.access.roles import ADMINS
from turns.api.versioned import Resource
from turns.db.tables import properties
from turns.kit.errors import Forbidden
from turns.kit.filters import text_filter
from turns.properties.schemas import PropertyOut

RESOURCE = Resource(
    properties, "/api/v1/properties", "property", PropertyOut, ("created_at", "updated_at", "property_id", "name")
)
ASSIGNMENT_FIELDS = frozenset({"property_manager_id", "sr_property_manager_id"})


def check_update(user: CurrentUser, current: Mapping[Any, Any], changes: Mapping[str, Any]) -> None:
    """A property manager edits the home but not who manages it; a senior manager may
    reassign the property manager of their own portfolio; admins anything."""
    reassigning = {k for k in ASSIGNMENT_FIELDS & changes.keys() if changes[k] != current.get(k)}
    if not reassigning or user.role in ADMINS:
        return
    if user.role in REASSIGNS_PROPERTY_MANAGER and reassigning == {"property_manager_id"}:
        return
    raise Forbidden(f"your role may not change {', '.join(sorted(reassigning))}")


class PropertyFilters(BaseModel):
    """The filters of ``GET /api/v1/properties``."""

    model_config = ConfigDict(extra="forbid")

    market: str | None = text_filter(100)
    state: str | None = text_filter(50)
    city: str | None = text_filter(100)
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
