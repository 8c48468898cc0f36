"""Reopening a finished turn, with the reason why.

A turn leaves the board when it is completed (or closed without completion). Work found
after hand-off (a leak, a failed inspection) brings it back: the turn is active again,
its completion date is cleared and, if it sat in the complete stage, it returns to the
stage it came from. The reason is written where people look for why a turn moved: the
stage-history note of that move and the audit row's context, in the same transaction.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import Field, StringConstraints
from sqlalchemy import RowMapping, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.actions import CLOSES_TURNS
from turns.access.identity import CurrentUser
from turns.db.tables import turn_stage_history, turn_stages
from turns.kit.errors import Conflict, Forbidden
from turns.unit_turns.service import check_no_open_turn
from turns.workflow.schemas import Versioned
from turns.workflow.service import load_turn, write

AUDIT_CONTEXT = "reopen: "
REASON_LENGTH = 240
"""The audit row's context holds 255 characters: the prefix and the whole reason fit."""


class ReopenRequest(Versioned):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=REASON_LENGTH)] = Field(
        description="Why the turn is reopened; kept in its stage history and audit trail"
    )


async def _return_stage(conn: AsyncConnection, turn: RowMapping) -> UUID | None:
    """The stage a turn in a complete stage goes back to: the one it entered that stage from,
    else the last active stage before it. None when the turn is not in a complete stage."""
    current = (await conn.execute(select(turn_stages).where(turn_stages.c.id == turn["stage_id"]))).mappings().one()
    if not current["is_complete_stage"]:
        return None
    came_from = (
        await conn.execute(
            select(turn_stage_history.c.from_stage_id)
            .join(turn_stages, turn_stages.c.id == turn_stage_history.c.from_stage_id)
            .where(
                turn_stage_history.c.turn_id == turn["id"],
                turn_stage_history.c.to_stage_id == current["id"],
                turn_stages.c.is_active,
                ~turn_stages.c.is_complete_stage,
            )
            .order_by(turn_stage_history.c.changed_at.desc())
            .limit(1)
        )
    ).scalar()
    if came_from is not None:
        return UUID(str(came_from))
    before = (
        await conn.execute(
            select(turn_stages.c.id)
            .where(
                turn_stages.c.is_active,
                ~turn_stages.c.is_complete_stage,
                turn_stages.c.display_order < current["display_order"],
            )
            .order_by(turn_stages.c.display_order.desc())
            .limit(1)
        )
    ).scalar()
    if before is None:
        raise Conflict("no active stage comes before the complete stage; an admin must activate one first")
    return UUID(str(before))


async def reopen(
    conn: AsyncConnection, user: CurrentUser, turn_id: UUID, version: int, reason: str, from_header: bool
) -> dict[str, Any]:
    turn = await load_turn(conn, turn_id)
    if user.role not in CLOSES_TURNS:
        raise Forbidden("only admins and the property's managers reopen turns")
    if turn["is_active"]:
        raise Conflict(f"turn {turn['turn_id']} is open; only a completed or closed turn is reopened")
    await check_no_open_turn(conn, turn["property_id"])
    values: dict[str, Any] = {"is_active": True, "turn_completion_date": None}
    stage = await _return_stage(conn, turn)
    if stage is not None:
        values["stage_id"] = stage
    await conn.execute(
        text("SELECT set_config('app.stage_note', :note, true), set_config('app.context', :context, true)"),
        {"note": f"Reopened: {reason}", "context": AUDIT_CONTEXT + reason},
    )
    return await write(conn, user, turn_id, version, values, from_header)
