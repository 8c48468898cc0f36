"""Workflow actions on turns, the approvals queue, workflow settings."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Response

from turns.access.identity import CurrentUser
from turns.access.roles import ADMINS
from turns.auth.dependencies import current_user
from turns.auth.transaction import Transaction
from turns.kit.errors import PROBLEM_RESPONSES, Forbidden
from turns.kit.records import expected_version, set_etag
from turns.unit_turns.schemas import TurnOut
from turns.workflow import approvals, dates, handoff, lock_box, reopen, transitions
from turns.workflow.schemas import (
    LockBoxCode,
    LockBoxRequest,
    QueueItem,
    RejectRequest,
    TransitionRequest,
    Versioned,
    WorkflowSettings,
    WorkflowSettingsUpdate,
)
from turns.workflow.service import total

router = APIRouter(prefix="/api/v1", tags=["workflow"], responses=PROBLEM_RESPONSES)
User = Annotated[CurrentUser, Depends(current_user)]
IfMatch = Annotated[str | None, Header()]


def _out(row: dict[str, Any], response: Response) -> TurnOut:
    """The turn's workflow state (:data:`turns.workflow.service.WORKFLOW_COLUMNS`), ``row``
    already cut to what the caller's role reads."""
    set_etag(response, row)
    return TurnOut(**row)


@router.post(
    "/turns/{turn_id}/transition",
    response_model=TurnOut,
    response_model_exclude_unset=True,
    summary="Move a turn to another stage (422 names what the stage requires and is missing)",
)
async def transition(
    turn_id: UUID, body: TransitionRequest, conn: Transaction, user: User, response: Response, if_match: IfMatch = None
) -> TurnOut:
    version, from_header = expected_version(if_match, body.version)
    row = await transitions.transition(conn, user, turn_id, body.to_stage_id, version, body.note, from_header)
    return _out(row, response)


@router.post(
    "/turns/{turn_id}/scope/submit",
    response_model=TurnOut,
    response_model_exclude_unset=True,
    summary="Submit the scope for approval",
)
async def submit_scope(
    turn_id: UUID, body: Versioned, conn: Transaction, user: User, response: Response, if_match: IfMatch = None
) -> TurnOut:
    version, from_header = expected_version(if_match, body.version)
    return _out(await approvals.submit_scope(conn, user, turn_id, version, from_header), response)


@router.post(
    "/turns/{turn_id}/scope/approve",
    response_model=TurnOut,
    response_model_exclude_unset=True,
    summary="Approve the scope at the current level (DFO, then HO above the threshold)",
)
async def approve_scope(
    turn_id: UUID, body: Versioned, conn: Transaction, user: User, response: Response, if_match: IfMatch = None
) -> TurnOut:
    version, from_header = expected_version(if_match, body.version)
    return _out(await approvals.approve(conn, user, turn_id, version, from_header), response)


@router.post(
    "/turns/{turn_id}/scope/reject",
    response_model=TurnOut,
    response_model_exclude_unset=True,
    summary="Reject the scope with a reason",
)
async def reject_scope(
    turn_id: UUID, body: RejectRequest, conn: Transaction, user: User, response: Response, if_match: IfMatch = None
) -> TurnOut:
    version, from_header = expected_version(if_match, body.version)
    return _out(await approvals.reject(conn, user, turn_id, version, body.reason, from_header), response)


@router.post(
    "/turns/{turn_id}/reopen",
    response_model=TurnOut,
    response_model_exclude_unset=True,
    summary="Reopen a completed or closed turn with a reason (kept in its stage history and audit trail)",
)
async def reopen_turn(
    turn_id: UUID,
    body: reopen.ReopenRequest,
    conn: Transaction,
    user: User,
    response: Response,
    if_match: IfMatch = None,
) -> TurnOut:
    version, from_header = expected_version(if_match, body.version)
    return _out(await reopen.reopen(conn, user, turn_id, version, body.reason, from_header), response)


@router.put(
    "/turns/{turn_id}/dates",
    response_model=TurnOut,
    response_model_exclude_unset=True,
    summary="Change the ready date and/or move-in date (a reason is required to change a date already set)",
)
async def change_dates(
    turn_id: UUID, body: dates.DatesRequest, conn: Transaction, user: User, response: Response, if_match: IfMatch = None
) -> TurnOut:
    version, from_header = expected_version(if_match, body.version)
    changes = body.model_dump(exclude_unset=True, include=set(dates.DATE_FIELDS))
    row = await dates.change_dates(conn, user, turn_id, version, changes, body.reason or None, from_header)
    return _out(row, response)


@router.get(
    "/turns/{turn_id}/date-history",
    response_model=list[dates.DateChange],
    summary="Changes of the turn's ready and move-in dates, newest first: old, new, why, who, when",
)
async def date_history(turn_id: UUID, conn: Transaction, user: User) -> list[dates.DateChange]:
    return await dates.date_history(conn, user, turn_id)


@router.post(
    "/turns/{turn_id}/handoff",
    response_model=TurnOut,
    response_model_exclude_unset=True,
    summary="Send a finished turn to leasing (from the last stage before complete, or complete)",
)
async def send_to_leasing(
    turn_id: UUID, body: Versioned, conn: Transaction, user: User, response: Response, if_match: IfMatch = None
) -> TurnOut:
    version, from_header = expected_version(if_match, body.version)
    return _out(await handoff.hand_off(conn, user, turn_id, version, from_header), response)


@router.get(
    "/approvals/queue", response_model=list[QueueItem], summary="Scopes waiting for the caller's decision, oldest first"
)
async def approval_queue(conn: Transaction, user: User) -> list[QueueItem]:
    rows = await approvals.approval_queue(conn, user)
    return [
        QueueItem(
            **{k: v for k, v in row.items() if k in QueueItem.model_fields},
            amount=total(row),
            address=", ".join(p for p in (row["street_address"], row["city"], row["state"]) if p),
        )
        for row in rows
    ]


@router.post(
    "/turns/{turn_id}/lock-box/reveal",
    response_model=LockBoxCode,
    summary="The lock-box code (recorded in the audit log as a VIEW)",
)
async def reveal_lock_box(turn_id: UUID, conn: Transaction) -> LockBoxCode:
    return LockBoxCode(code=await lock_box.reveal_lock_box(conn, turn_id))


@router.put(
    "/turns/{turn_id}/lock-box",
    response_model=TurnOut,
    response_model_exclude_unset=True,
    summary="Set the lock-box code and location (the answer: the turn as your role reads it)",
)
async def set_lock_box(
    turn_id: UUID, body: LockBoxRequest, conn: Transaction, user: User, response: Response, if_match: IfMatch = None
) -> TurnOut:
    version, from_header = expected_version(if_match, body.version)
    values: dict[str, Any] = {}
    fields = body.model_dump(exclude_unset=True, exclude={"version"})
    for field, column in (
        ("code", "primary_lock_box_code"),
        ("location", "lock_box_location"),
        ("install_date", "lock_box_install_date"),
    ):
        if field in fields:
            values[column] = fields[field]
    return _out(await lock_box.set_lock_box(conn, user, turn_id, version, values, from_header), response)


@router.get("/workflow/settings", response_model=WorkflowSettings, summary="Approval threshold and policy")
async def get_settings(conn: Transaction, user: User) -> WorkflowSettings:
    return WorkflowSettings(**await approvals.settings(conn))


@router.patch("/workflow/settings", response_model=WorkflowSettings, summary="Change approval settings (admins)")
async def update_settings(
    body: WorkflowSettingsUpdate, conn: Transaction, user: User, if_match: IfMatch = None
) -> WorkflowSettings:
    if user.role not in ADMINS:
        raise Forbidden("only admins change workflow settings")
    version, from_header = expected_version(if_match, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    return WorkflowSettings(**await approvals.update_settings(conn, user, version, changes, from_header))
