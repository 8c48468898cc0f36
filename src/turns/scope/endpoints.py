"""``/api/v1/turns/{id}/scope-lines`` and ``/api/v1/scope-lines/{id}``: a turn's scope as line
items, and ``/api/v1/turns/{id}/scope-changes``: what changed since it was approved."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from turns.api.versioned import IfMatch, User
from turns.auth.transaction import Transaction
from turns.kit.errors import PROBLEM_RESPONSES
from turns.kit.records import Edit, VersionOnly
from turns.scope import service
from turns.scope.schemas import ScopeChanges, ScopeLineCreate, ScopeLineOut, ScopeLines, ScopeLineUpdate

router = APIRouter(prefix="/api/v1", tags=["scope"], responses=PROBLEM_RESPONSES)


@router.get(
    "/turns/{turn_id}/scope-lines",
    response_model=ScopeLines,
    response_model_exclude_unset=True,
    summary="The lines of a turn's scope, in order (a vendor user: its company's lines)",
)
async def list_scope_lines(turn_id: UUID, conn: Transaction, user: User) -> ScopeLines:
    return await service.list_lines(conn, user, turn_id)


@router.post(
    "/turns/{turn_id}/scope-lines",
    response_model=ScopeLineOut,
    response_model_exclude_unset=True,
    status_code=status.HTTP_201_CREATED,
    summary="Add a line to a turn's scope (admins, the property's managers); the turn amount becomes the sum",
)
async def create_scope_line(
    turn_id: UUID, body: ScopeLineCreate, conn: Transaction, user: User, response: Response
) -> ScopeLineOut:
    return await service.create_line(conn, user, turn_id, body, response)


@router.patch(
    "/scope-lines/{line_id}",
    response_model=ScopeLineOut,
    response_model_exclude_unset=True,
    summary="Change a line (name the version you read); a vendor user only marks its own lines done",
)
async def update_scope_line(
    line_id: UUID, body: ScopeLineUpdate, conn: Transaction, user: User, response: Response, if_match: IfMatch = None
) -> ScopeLineOut:
    return await service.update_line(conn, user, line_id, Edit.of(body, if_match), response)


@router.delete(
    "/scope-lines/{line_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a line (name the version you read, by If-Match or ?version=)",
)
async def delete_scope_line(
    line_id: UUID, conn: Transaction, user: User, version: int | None = Query(default=None), if_match: IfMatch = None
) -> Response:
    await service.remove_line(conn, user, line_id, Edit.of(VersionOnly(version=version), if_match))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/turns/{turn_id}/scope-changes",
    response_model=ScopeChanges,
    summary="The current scope against the one last approved: lines added, removed and changed, and the total",
)
async def scope_changes(turn_id: UUID, conn: Transaction, user: User) -> ScopeChanges:
    return await service.scope_changes(conn, user, turn_id)
