"""Scope approvals: a manager submits a turn's scope, a DFO approver decides it, and above the
HO threshold an HO approver decides it next; either may reject it with a reason. A scope at
or below the DFO threshold needs no approver: the database approves it as it is submitted
(``turn_reapproval()``, migration 0017), so every path into approval follows one rule. The
thresholds and whether a submitter may decide their own scope are the workflow settings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.actions import SUBMITS_SCOPES, approval_queue_statuses, decider
from turns.access.identity import CurrentUser
from turns.access.roles import DFO_APPROVER
from turns.api.updates import update_row
from turns.db.tables import workflow_settings
from turns.kit.errors import Conflict, Forbidden, Unprocessable
from turns.notifications.templates import money
from turns.workflow.service import load_turn, total, write

APPROVED = ("DFO_APPROVED", "HO_APPROVED")


async def settings(conn: AsyncConnection) -> RowMapping:
    return (await conn.execute(select(workflow_settings))).mappings().one()


async def update_settings(
    conn: AsyncConnection, user: CurrentUser, version: int, changes: dict[str, Any], from_header: bool
) -> dict[str, Any]:
    """The single settings row changed, named by the version the caller read; the DFO
    threshold may not pass the HO threshold (the table's check says so too, in fewer words)."""
    current = await settings(conn)
    dfo = changes.get("dfo_approval_threshold", current["dfo_approval_threshold"])
    ho = changes.get("ho_approval_threshold", current["ho_approval_threshold"])
    if dfo is not None and ho is not None and dfo > ho:
        raise Unprocessable(
            f"the DFO threshold ({money(dfo)}) may not be above the HO threshold ({money(ho)})",
            fields=["dfo_approval_threshold"],
        )
    return await update_row(
        conn,
        workflow_settings,
        current["id"],
        version,
        changes,
        ["id", "dfo_approval_threshold", "ho_approval_threshold", "allow_self_approval", "version"],
        role=user.role,
        what="workflow settings",
        from_header=from_header,
    )


async def submit_scope(
    conn: AsyncConnection, user: CurrentUser, turn_id: UUID, version: int, from_header: bool
) -> dict[str, Any]:
    turn = await load_turn(conn, turn_id)
    if user.role not in SUBMITS_SCOPES:
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
    role = decider(status)
    if role is None:
        raise Conflict(f"the scope is {status}: nothing is waiting for a decision")
    return role


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
    if role == DFO_APPROVER:
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
    statuses = approval_queue_statuses(user.role)
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
