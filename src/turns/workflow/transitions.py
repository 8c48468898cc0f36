"""Stage moves: what a turn needs to enter a stage, and the stages the workflow must keep.

A turn enters a stage only with what the stage requires (an amount, a vendor, the utilities on,
the final walk done, the lock box set) and, moving
forward past a stage that requires approval, an approved scope (HO-approved above the
threshold, :mod:`turns.workflow.approvals`). Entering a complete stage completes the turn;
leaving one reopens it. A new turn starts in the first active stage and is completed by
entering an active complete stage, so neither may disappear (:func:`keep_workflow`, the
invariant of the stage table's endpoints).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.actions import MOVES_TURNS
from turns.access.identity import CurrentUser
from turns.db.tables import turn_stages
from turns.kit.errors import Forbidden, Unprocessable
from turns.workflow.approvals import APPROVED, settings
from turns.workflow.service import load_turn, total, write

UTILITIES = ("power_status", "water_status", "gas_status")
UTILITY_ON = "YES"


def missing_requirements(
    turn: Mapping[Any, Any],
    current: Mapping[Any, Any],
    target: Mapping[Any, Any],
    stages: Sequence[Mapping[Any, Any]],
    ho_threshold: Decimal,
) -> list[str]:
    """What the turn lacks to enter ``target`` from ``current``, as field names (empty when it may).

    ``turn_amount`` and ``vendor_id`` when the target requires them and the turn has none;
    ``utilities_on`` unless power, water and gas are all on; ``final_walk`` unless the turn has a
    final walk date and who walked it; ``lock_box`` unless it has a lock-box install date and
    location; ``scope_approval`` when moving forward past an active stage that requires approval
    without an approved scope, or with a DFO approval where the total is above
    ``ho_threshold`` and so needs HO's."""
    missing: list[str] = []
    if target["is_amount_required"] and not turn["turn_amount"]:
        missing.append("turn_amount")
    if target["is_vendor_required"] and turn["vendor_id"] is None:
        missing.append("vendor_id")
    if target["requires_utilities_on"] and any(turn[u] != UTILITY_ON for u in UTILITIES):
        missing.append("utilities_on")
    if target["requires_final_walk"] and (turn["final_walk_date"] is None or turn["final_walk_by"] is None):
        missing.append("final_walk")
    if target["requires_lock_box"] and (turn["lock_box_install_date"] is None or not turn["lock_box_location"]):
        missing.append("lock_box")
    forward = target["display_order"] > current["display_order"]
    gates = [
        s for s in stages if s["requires_approval"] and s["is_active"] and s["display_order"] < target["display_order"]
    ]
    if forward and gates:
        needed = "HO_APPROVED" if total(turn) > ho_threshold else None
        status = turn["scope_approval_status"]
        if status not in APPROVED or (needed and status != needed):
            missing.append("scope_approval")
    return missing


async def _stages(conn: AsyncConnection) -> list[RowMapping]:
    return list((await conn.execute(select(turn_stages).order_by(turn_stages.c.display_order))).mappings().all())


async def transition(
    conn: AsyncConnection,
    user: CurrentUser,
    turn_id: UUID,
    to_stage_id: UUID,
    version: int,
    note: str | None,
    from_header: bool,
) -> dict[str, Any]:
    turn = await load_turn(conn, turn_id)
    if user.role not in MOVES_TURNS:
        raise Forbidden("only admins and the property's managers move turns between stages")
    stages = await _stages(conn)
    by_id = {s["id"]: s for s in stages}
    target = by_id.get(to_stage_id)
    if target is None:
        raise Unprocessable("no stage has this id", missing=["to_stage_id"])
    if not target["is_active"]:
        raise Unprocessable(f"the stage {target['name']!r} is inactive and cannot be entered")
    current = by_id[turn["stage_id"]]
    if target["id"] == current["id"]:
        raise Unprocessable(f"the turn is already in {target['name']!r}")
    missing = missing_requirements(turn, current, target, stages, (await settings(conn))["ho_approval_threshold"])
    if missing:
        raise Unprocessable(
            f"cannot enter {target['name']!r}: missing {', '.join(missing)}", missing=missing, stage=target["name"]
        )
    values: dict[str, Any] = {"stage_id": target["id"]}
    if target["is_complete_stage"]:
        values |= {"is_active": False, "turn_completion_date": turn["turn_completion_date"] or date.today()}
    elif current["is_complete_stage"]:
        values |= {"is_active": True, "turn_completion_date": None}
    await conn.execute(text("SELECT set_config('app.stage_note', :note, true)"), {"note": note or ""})
    return await write(conn, user, turn_id, version, values, from_header)


async def keep_workflow(conn: AsyncConnection, stage: Mapping[Any, Any], changes: Mapping[str, Any]) -> None:
    """Deactivating a stage, or making it an ordinary stage, must keep the workflow whole."""
    if changes.get("is_active") is False:
        await check_workflow_kept(conn, stage["id"], stays_active=False)
    elif changes.get("is_complete_stage") is False:
        await check_workflow_kept(conn, stage["id"], stays_active=stage["is_active"])


async def check_workflow_kept(conn: AsyncConnection, stage_id: UUID, *, stays_active: bool) -> None:
    """Refuse to deactivate ``stage_id`` (or, when it ``stays_active``, to make it an ordinary
    stage) if no active stage, or no active complete stage where there was one, would remain.
    The active stages are locked, so two admins cannot each remove one of the last two."""
    query = select(turn_stages.c.id, turn_stages.c.is_complete_stage).where(turn_stages.c.is_active).with_for_update()
    before = {row.id: row.is_complete_stage for row in await conn.execute(query)}
    after = {k: v for k, v in before.items() if k != stage_id} | ({stage_id: False} if stays_active else {})
    if not after:
        raise Unprocessable("this is the last active stage: new turns need a stage to start in")
    if any(before.values()) and not any(after.values()):
        raise Unprocessable("this is the only active complete stage: without it no turn could be completed")
