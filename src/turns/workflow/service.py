"""Moving a turn: stage transitions with their requirements, scope approvals, lock boxes.

Each use case reads the turn as the acting user (RLS decides visibility), checks the
rules, and writes with the version the client read. Stage history, audit rows,
notifications and queued e-mails are written by triggers in the same transaction
(migrations 0002 and 0006), so no path can move a turn without them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.identity import CurrentUser
from turns.access.roles import ADMINS, MANAGERS
from turns.api.updates import update_row
from turns.db.tables import turn_stages, turns, workflow_settings
from turns.kit.errors import Conflict, Forbidden, NotFound, Unprocessable

WHAT = "turn"
APPROVED = ("DFO_APPROVED", "HO_APPROVED")
MOVERS = ADMINS | MANAGERS
LOCK_BOX_SETTERS = ADMINS | MANAGERS | {"VENDOR"}

WORKFLOW_COLUMNS = (
    "id",
    "turn_id",
    "property_id",
    "version",
    "stage_id",
    "vendor_id",
    "is_active",
    "turn_amount",
    "change_order_amount",
    "approved_turn_amount",
    "scope_approval_status",
    "scope_submitted_by",
    "scope_submitted_at",
    "approval_requested_at",
    "dfo_approval_user_id",
    "dfo_approval_datetime",
    "ho_approval_user_id",
    "ho_approval_datetime",
    "reject_user_id",
    "reject_datetime",
    "reject_reason",
    "scope_approved_date",
    "turn_completion_date",
    "expected_completion_date",
    "sent_to_leasing_date",
)


def total(turn: RowMapping) -> Decimal:
    return Decimal(turn["turn_amount"] or 0) + Decimal(turn["change_order_amount"] or 0)


async def load_turn(conn: AsyncConnection, turn_id: UUID) -> RowMapping:
    query = select(*(turns.c[c] for c in WORKFLOW_COLUMNS)).where(turns.c.id == turn_id)
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        raise NotFound("no turn with this id is visible to you")
    return row


async def write(
    conn: AsyncConnection, user: CurrentUser, turn_id: UUID, version: int, values: dict[str, Any], from_header: bool
) -> dict[str, Any]:
    """The write, answered with the turn's workflow state as ``user``'s role may read it."""
    return await update_row(
        conn, turns, turn_id, version, values, WORKFLOW_COLUMNS, role=user.role, what=WHAT, from_header=from_header
    )


async def _stages(conn: AsyncConnection) -> list[RowMapping]:
    return list((await conn.execute(select(turn_stages).order_by(turn_stages.c.display_order))).mappings().all())


async def settings(conn: AsyncConnection) -> RowMapping:
    return (await conn.execute(select(workflow_settings))).mappings().one()


def missing_requirements(
    turn: RowMapping, current: RowMapping, target: RowMapping, stages: list[RowMapping], ho_threshold: Decimal
) -> list[str]:
    """What the turn lacks to enter ``target``, as field names (empty when it may)."""
    missing: list[str] = []
    if target["is_amount_required"] and not turn["turn_amount"]:
        missing.append("turn_amount")
    if target["is_vendor_required"] and turn["vendor_id"] is None:
        missing.append("vendor_id")
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
    if user.role not in MOVERS:
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


async def submit_scope(
    conn: AsyncConnection, user: CurrentUser, turn_id: UUID, version: int, from_header: bool
) -> dict[str, Any]:
    turn = await load_turn(conn, turn_id)
    if user.role not in MOVERS:
        raise Forbidden("only admins and the property's managers submit scopes")
    if turn["scope_approval_status"] not in ("PENDING", "REJECTED"):
        raise Conflict(f"the scope is {turn['scope_approval_status']}; only a new or rejected scope is submitted")
    if not turn["turn_amount"]:
        raise Unprocessable("a scope needs a turn amount before it is submitted", missing=["turn_amount"])
    now = datetime.now(UTC)
    return await write(
        conn,
        user,
        turn_id,
        version,
        {"scope_approval_status": "DFO_APPROVAL_NEEDED", "scope_submitted_by": user.id, "scope_submitted_at": now},
        from_header,
    )


def _approver_role(status: str) -> str:
    if status == "DFO_APPROVAL_NEEDED":
        return "DFO_APPROVER"
    if status == "HO_APPROVAL_NEEDED":
        return "HO_APPROVER"
    raise Conflict(f"the scope is {status}: nothing is waiting for a decision")


async def _check_decider(conn: AsyncConnection, user: CurrentUser, turn: RowMapping) -> str:
    role = _approver_role(turn["scope_approval_status"])
    if user.role != role:
        raise Forbidden(f"this step is decided by a {role}")
    if turn["scope_submitted_by"] == user.id and not (await settings(conn))["allow_self_approval"]:
        raise Forbidden("you submitted this scope; another approver must decide it")
    return role


async def approve(
    conn: AsyncConnection, user: CurrentUser, turn_id: UUID, version: int, from_header: bool
) -> dict[str, Any]:
    turn = await load_turn(conn, turn_id)
    role = await _check_decider(conn, user, turn)
    now = datetime.now(UTC)
    amount = total(turn)
    if role == "DFO_APPROVER":
        values: dict[str, Any] = {"dfo_approval_user_id": user.id, "dfo_approval_datetime": now}
        if amount > (await settings(conn))["ho_approval_threshold"]:
            values["scope_approval_status"] = "HO_APPROVAL_NEEDED"
        else:
            values |= {
                "scope_approval_status": "DFO_APPROVED",
                "approved_turn_amount": amount,
                "scope_approved_date": now.date(),
            }
    else:
        values = {
            "ho_approval_user_id": user.id,
            "ho_approval_datetime": now,
            "scope_approval_status": "HO_APPROVED",
            "approved_turn_amount": amount,
            "scope_approved_date": now.date(),
        }
    return await write(conn, user, turn_id, version, values, from_header)


async def reject(
    conn: AsyncConnection, user: CurrentUser, turn_id: UUID, version: int, reason: str, from_header: bool
) -> dict[str, Any]:
    turn = await load_turn(conn, turn_id)
    await _check_decider(conn, user, turn)
    return await write(
        conn,
        user,
        turn_id,
        version,
        {
            "scope_approval_status": "REJECTED",
            "reject_user_id": user.id,
            "reject_datetime": datetime.now(UTC),
            "reject_reason": reason,
        },
        from_header,
    )


async def approval_queue(conn: AsyncConnection, user: CurrentUser) -> list[RowMapping]:
    """What waits for the caller's decision, oldest first."""
    statuses = {"DFO_APPROVER": ["DFO_APPROVAL_NEEDED"], "HO_APPROVER": ["HO_APPROVAL_NEEDED"]}.get(
        user.role, ["DFO_APPROVAL_NEEDED", "HO_APPROVAL_NEEDED"] if user.role in ADMINS else []
    )
    if not statuses:
        raise Forbidden("only approvers (and admins, to watch) have an approval queue")
    query = text(
        "SELECT t.id, t.turn_id, t.version, t.scope_approval_status::text AS status, t.turn_amount,"
        " t.change_order_amount, t.approved_turn_amount, t.scope_submitted_by, t.scope_submitted_at,"
        " t.approval_requested_at, t.scope_photos_link, t.reject_reason, p.id AS property_uuid,"
        " p.property_id, p.name AS property_name, p.street_address, p.city, p.state, p.market,"
        " extract(epoch FROM now() - coalesce(t.approval_requested_at, t.scope_submitted_at))::bigint"
        " AS waiting_seconds"
        " FROM turns t JOIN properties p ON p.id = t.property_id"
        " WHERE t.is_active AND t.scope_approval_status::text = ANY(:statuses)"
        " ORDER BY coalesce(t.approval_requested_at, t.scope_submitted_at) NULLS FIRST, t.id"
    )
    return list((await conn.execute(query, {"statuses": statuses})).mappings().all())


async def reveal_lock_box(conn: AsyncConnection, turn_id: UUID) -> str | None:
    await load_turn(conn, turn_id)
    code: str | None = (await conn.execute(text("SELECT reveal_lock_box_code(:id)"), {"id": turn_id})).scalar()
    return code


async def set_lock_box(
    conn: AsyncConnection, user: CurrentUser, turn_id: UUID, version: int, values: dict[str, Any], from_header: bool
) -> dict[str, Any]:
    turn = await load_turn(conn, turn_id)
    if user.role not in LOCK_BOX_SETTERS:
        raise Forbidden("only admins, the property's managers and the assigned vendor set lock boxes")
    if user.role == "VENDOR" and user.vendor_id != turn["vendor_id"]:
        raise Forbidden("only the vendor assigned to this turn sets its lock box")
    return await write(conn, user, turn_id, version, values, from_header)
