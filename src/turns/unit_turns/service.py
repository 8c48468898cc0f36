"""Turn records: the table the endpoints serve, and the rules beyond RLS: which fields each
role edits, where a new turn starts, and the list filters (shared by the list endpoint and
exports)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, RowMapping, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.actions import EDITS_NO_TURNS, OPENS_TURNS
from turns.access.columns import TURN_FIELDS_BY_ROLE
from turns.access.identity import CurrentUser
from turns.api.versioned import Resource
from turns.db.tables import properties, turn_stages, turns
from turns.kit.errors import Conflict, Forbidden, NotFound, Unprocessable
from turns.unit_turns.schemas import ApprovalStatus, TurnCreate, TurnFields, TurnOut

RESOURCE = Resource(turns, "/api/v1/turns", "turn", TurnOut, ("created_at", "updated_at", "turn_id"))
EDITABLE = frozenset(TurnFields.model_fields)


def editable_fields(role: str) -> frozenset[str]:
    """The fields ``role`` may change through the generic update."""
    if role in OPENS_TURNS:
        return EDITABLE
    return TURN_FIELDS_BY_ROLE.get(role, frozenset())


def check_update(user: CurrentUser, current: Mapping[Any, Any], changes: Mapping[str, Any]) -> None:
    """Only fields whose value actually changes count, so a client may send back what it read."""
    changed = {k for k, v in changes.items() if k not in current or current[k] != v}
    if user.role in EDITS_NO_TURNS and changed:
        raise Forbidden("approvers decide scopes through the approval actions; they do not edit turns")
    refused = sorted(changed - editable_fields(user.role))
    if refused:
        raise Forbidden(f"your role may not change {', '.join(refused)}", fields=refused)
    if "expected_completion_date" in changed and current.get("expected_completion_date") is not None:
        raise Unprocessable(
            "a ready date already set changes only with a reason: use the turn's date change",
            missing=["reason"],
            fields=["expected_completion_date"],
        )


def check_create(user: CurrentUser) -> None:
    if user.role not in OPENS_TURNS:
        raise Forbidden("only admins and property managers open turns")


async def check_property_visible(conn: AsyncConnection, property_id: UUID) -> None:
    found = (await conn.execute(select(properties.c.id).where(properties.c.id == property_id))).first()
    if found is None:
        raise NotFound("no property with this id is visible to you")


async def first_stage(conn: AsyncConnection) -> RowMapping:
    """Where every turn starts: the first active stage in display order."""
    query = (
        select(turn_stages.c.id, turn_stages.c.name)
        .where(turn_stages.c.is_active)
        .order_by(turn_stages.c.display_order)
        .limit(1)
    )
    stage = (await conn.execute(query)).mappings().first()
    if stage is None:
        raise Unprocessable("no active stage is configured; an admin must activate one first")
    return stage


async def check_no_open_turn(conn: AsyncConnection, property_id: UUID) -> None:
    """A home is turned once at a time: a second open turn would split its work, costs and dates.

    The transaction-scoped advisory lock on the property makes two requests that start a turn
    on the same home at once take turns, so the second one sees the first one's turn."""
    await conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(str(property_id), 0))))
    query = select(turns.c.id, turns.c.turn_id).where(turns.c.property_id == property_id, turns.c.is_active)
    found = (await conn.execute(query.order_by(turns.c.created_at).limit(1))).mappings().first()
    if found is not None:
        raise Conflict(
            f"this property already has an open turn, {found['turn_id']}: finish or close it before starting another",
            open_turn={"id": str(found["id"]), "turn_id": found["turn_id"]},
        )


def generated_turn_id() -> str:
    """A turn number for a turn opened without the operator's own: the day and a random suffix."""
    return f"T-{date.today():%y%m%d}-{secrets.token_hex(3).upper()}"


async def new_turn(conn: AsyncConnection, body: TurnCreate) -> dict[str, Any]:
    """The row of a turn opened with ``body``: on a property the caller sees and that has no open
    turn, in the first stage. Its note becomes the note of the first stage-history entry."""
    await check_property_visible(conn, body.property_id)
    await check_no_open_turn(conn, body.property_id)
    stage = await first_stage(conn)
    if body.note:
        await conn.execute(text("SELECT set_config('app.stage_note', :note, true)"), {"note": body.note})
    row = body.model_dump(exclude_unset=True, exclude={"note"}) | {"stage_id": stage["id"]}
    return row | {"turn_id": body.turn_id or generated_turn_id()}


class TurnFilters(BaseModel):
    """Query filters over turns, all optional and combined with AND."""

    model_config = ConfigDict(extra="forbid")

    stage_id: UUID | None = None
    property_id: UUID | None = None
    manager_id: UUID | None = Field(default=None, description="The property's manager or senior manager")
    market: str | None = Field(default=None, max_length=100)
    vendor_id: UUID | None = Field(default=None, description="The assigned vendor or flooring vendor")
    approval_status: ApprovalStatus | None = None
    active: bool | None = None
    move_out_from: date | None = None
    move_out_to: date | None = None
    expected_completion_from: date | None = None
    expected_completion_to: date | None = None
    completed_from: date | None = None
    completed_to: date | None = None

    def conditions(self, readable: frozenset[str]) -> list[ColumnElement[bool]]:
        """The WHERE conditions; filtering on a column the caller may not read would leak it."""
        hidden = sorted(c for c in self._turn_columns() if c not in readable)
        if hidden:
            raise Forbidden(f"your role may not filter on {', '.join(hidden)}", fields=hidden)
        found: list[ColumnElement[bool]] = []
        for column, value in (
            ("stage_id", self.stage_id),
            ("property_id", self.property_id),
            ("scope_approval_status", self.approval_status),
            ("is_active", self.active),
        ):
            if value is not None:
                found.append(turns.c[column] == value)
        if self.vendor_id is not None:
            found.append(or_(turns.c.vendor_id == self.vendor_id, turns.c.flooring_vendor_id == self.vendor_id))
        homes = []
        if self.manager_id is not None:
            homes.append(
                or_(
                    properties.c.property_manager_id == self.manager_id,
                    properties.c.sr_property_manager_id == self.manager_id,
                )
            )
        if self.market is not None:
            homes.append(properties.c.market == self.market)
        if homes:
            found.append(turns.c.property_id.in_(select(properties.c.id).where(*homes)))
        for column, low, high in (
            ("move_out_date", self.move_out_from, self.move_out_to),
            ("expected_completion_date", self.expected_completion_from, self.expected_completion_to),
            ("turn_completion_date", self.completed_from, self.completed_to),
        ):
            if low is not None:
                found.append(turns.c[column] >= low)
            if high is not None:
                found.append(turns.c[column] <= high)
        return found

    def _turn_columns(self) -> set[str]:
        named = {
            "approval_status": "scope_approval_status",
            "active": "is_active",
            "move_out_from": "move_out_date",
            "move_out_to": "move_out_date",
            "expected_completion_from": "expected_completion_date",
            "expected_completion_to": "expected_completion_date",
            "completed_from": "turn_completion_date",
            "completed_to": "turn_completion_date",
        }
        unrelated = {"manager_id", "market", "vendor_id"}
        used = {name for name in TurnFilters.model_fields if name not in unrelated and getattr(self, name) is not None}
        return {named.get(name, name) for name in used}
