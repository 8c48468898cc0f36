"""A turn's lock box: revealing its code (the database decides who may, and audits it as a
VIEW) and setting its code, location and install date."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.actions import SETS_LOCK_BOXES, is_vendor
from turns.access.identity import CurrentUser
from turns.kit.errors import Forbidden
from turns.workflow.service import load_turn, write


async def reveal_lock_box(conn: AsyncConnection, turn_id: UUID) -> str | None:
    await load_turn(conn, turn_id)
    code: str | None = (await conn.execute(text("SELECT reveal_lock_box_code(:id)"), {"id": turn_id})).scalar()
    return code


async def set_lock_box(
    conn: AsyncConnection, user: CurrentUser, turn_id: UUID, version: int, values: dict[str, Any], from_header: bool
) -> dict[str, Any]:
    turn = await load_turn(conn, turn_id)
    if user.role not in SETS_LOCK_BOXES:
        raise Forbidden("only admins, the property's managers and the assigned vendor set lock boxes")
    if is_vendor(user.role) and user.vendor_id != turn["vendor_id"]:
        raise Forbidden("only the vendor assigned to this turn sets its lock box")
    return await write(conn, user, turn_id, version, values, from_header)
