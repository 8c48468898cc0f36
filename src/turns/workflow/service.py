"""A turn's workflow state, read and written the same way by every workflow use case.

The use cases are :mod:`turns.workflow.transitions` (stage moves),
:mod:`turns.workflow.approvals` (scope approvals and their settings) and
:mod:`turns.workflow.lock_box`. Each reads the turn as the acting user (RLS decides
visibility), checks its rules, and writes with the version the client read. Stage history,
audit rows, notifications and queued e-mails are written by triggers in the same
transaction (migrations 0002 and 0006), so no path can move a turn without them.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.identity import CurrentUser
from turns.api.updates import update_row
from turns.db.tables import turns
from turns.kit.errors import NotFound

WHAT = "turn"

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
    "sent_to_leasing_at",
    "sent_to_leasing_by",
    "move_in_date",
    "final_walk_date",
    "final_walk_by",
    "power_status",
    "water_status",
    "gas_status",
    "lock_box_install_date",
    "lock_box_location",
)


def total(turn: Mapping[Any, Any]) -> Decimal:
    """What a scope asks to approve: the turn amount plus change orders."""
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
