"""Sending a finished turn to leasing: the explicit hand-off that ends the make-ready.

A turn is handed off from the last active stage before the complete stage (the final walk is
done, leasing may start showing) or from a complete stage; earlier stages still have work.
The hand-off is recorded once, with who and when; the audit row (context ``handoff``) and
the property's managers' notification (a trigger, migration 0016_handoff) commit with it.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.actions import HANDS_OFF_TURNS
from turns.access.identity import CurrentUser
from turns.db.tables import turn_stages
from turns.kit.errors import Conflict, Forbidden, Unprocessable
from turns.workflow.service import load_turn, write


async def may_hand_off(conn: AsyncConnection, stage_id: UUID) -> bool:
    """Whether a turn in ``stage_id`` is finished enough to hand off."""
    stages = (await conn.execute(select(turn_stages).order_by(turn_stages.c.display_order))).mappings().all()
    current = next(s for s in stages if s["id"] == stage_id)
    if current["is_complete_stage"]:
        return True
    complete = [s["display_order"] for s in stages if s["is_active"] and s["is_complete_stage"]]
    if not complete:
        return False
    before = [s for s in stages if s["is_active"] and not s["is_complete_stage"] and s["display_order"] < min(complete)]
    return bool(before) and before[-1]["id"] == stage_id


async def hand_off(
    conn: AsyncConnection, user: CurrentUser, turn_id: UUID, version: int, from_header: bool
) -> dict[str, Any]:
    turn = await load_turn(conn, turn_id)
    if user.role not in HANDS_OFF_TURNS:
        raise Forbidden("only admins and the property's managers send turns to leasing")
    if turn["sent_to_leasing_at"] is not None:
        raise Conflict(f"turn {turn['turn_id']} was already sent to leasing")
    if not await may_hand_off(conn, turn["stage_id"]):
        raise Unprocessable("only a turn in its final stage or completed is sent to leasing", missing=["handoff_stage"])
    await conn.execute(text("SELECT set_config('app.context', 'handoff', true)"))
    values: dict[str, Any] = {
        "sent_to_leasing_at": func.now(),
        "sent_to_leasing_by": user.id,
        "sent_to_leasing_date": date.today(),
    }
    return await write(conn, user, turn_id, version, values, from_header)
