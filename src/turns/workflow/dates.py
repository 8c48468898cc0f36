"""A turn's ready date and move-in date: changed with a reason, kept as a history.

The ready date (``expected_completion_date``, the ready-by leasing plans with) and the
move-in date (the next resident's, which closes the vacancy) are promises to people outside
the make-ready team, so a changed one must say why: a date that is already set changes only
with a reason. The history rows are written by a trigger on ``turns`` (migration
0016_handoff) from the reason set here, in the same transaction as the change, whichever
path changed the date; no other workflow action touches these columns.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.actions import CHANGES_TURN_DATES
from turns.access.columns import readable_columns
from turns.access.identity import CurrentUser
from turns.db.tables import turn_date_changes, users
from turns.kit.errors import Forbidden, Unprocessable
from turns.workflow.schemas import Versioned
from turns.workflow.service import load_turn, write

DATE_FIELDS = ("expected_completion_date", "move_in_date")
LABELS = {"expected_completion_date": "ready date", "move_in_date": "move-in date"}
AUDIT_CONTEXT = "dates: "
REASON_LENGTH = 240
"""The audit row's context holds 255 characters: the prefix and the whole reason fit."""


class DatesRequest(Versioned):
    expected_completion_date: date | None = Field(default=None, description="The ready date (ready-by)")
    move_in_date: date | None = Field(default=None, description="The next resident's move-in date")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=REASON_LENGTH)] | None = Field(
        default=None, description="Why; required to change a date that is already set"
    )


class DateChange(BaseModel):
    id: UUID
    field: str
    old_value: date | None
    new_value: date | None
    reason: str | None
    changed_by: UUID | None
    changed_by_name: str | None
    changed_at: datetime


def reason_needed(turn: Any, changes: dict[str, Any]) -> list[str]:
    """The dates in ``changes`` that replace a date already set on ``turn`` (these need a reason)."""
    return [f for f, v in changes.items() if turn[f] is not None and turn[f] != v]


async def change_dates(
    conn: AsyncConnection,
    user: CurrentUser,
    turn_id: UUID,
    version: int,
    changes: dict[str, Any],
    reason: str | None,
    from_header: bool,
) -> dict[str, Any]:
    turn = await load_turn(conn, turn_id)
    if user.role not in CHANGES_TURN_DATES:
        raise Forbidden("only admins and the property's managers change a turn's ready and move-in dates")
    if not changes:
        raise Unprocessable("name the ready date or the move-in date to change", missing=list(DATE_FIELDS))
    replaced = reason_needed(turn, changes)
    if replaced and not reason:
        named = " and ".join(LABELS[f] for f in replaced)
        raise Unprocessable(f"changing the {named} needs a reason", missing=["reason"], fields=replaced)
    await conn.execute(
        text("SELECT set_config('app.date_reason', :reason, true), set_config('app.context', :context, true)"),
        {"reason": reason or "", "context": AUDIT_CONTEXT + reason if reason else ""},
    )
    return await write(conn, user, turn_id, version, changes, from_header)


async def date_history(conn: AsyncConnection, user: CurrentUser, turn_id: UUID) -> list[DateChange]:
    """The turn's date changes, newest first: readable with the turn (RLS), and only of the
    dates ``user``'s role reads on the turn itself (a vendor reads no move-in date)."""
    await load_turn(conn, turn_id)
    fields = [f for f in DATE_FIELDS if f in readable_columns("turns", user.role)]
    name = func.nullif(func.btrim(func.concat(users.c.first_name, " ", users.c.last_name)), "")
    query = (
        select(*(turn_date_changes.c[c] for c in DateChange.model_fields if c != "changed_by_name"))
        .add_columns(func.coalesce(name, users.c.email).label("changed_by_name"))
        .outerjoin(users, users.c.id == turn_date_changes.c.changed_by)
        .where(turn_date_changes.c.turn_id == turn_id, turn_date_changes.c.field.in_(fields))
        .order_by(turn_date_changes.c.changed_at.desc(), turn_date_changes.c.created_at.desc())
    )
    return [DateChange(**row) for row in (await conn.execute(query)).mappings()]
