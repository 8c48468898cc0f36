"""``/api/v1/audit``: the audit log as the caller may see it, newest first.

Read-only, on the read path (the replica when one is configured). Which rows is RLS's
decision (policy ``audit_logs_select``); a row the caller may not see is a 404.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from turns.access.identity import CurrentUser
from turns.audit import service
from turns.audit.schemas import AuditOut
from turns.audit.service import AuditFilters
from turns.auth.dependencies import current_user
from turns.auth.transaction import ReadTransaction
from turns.kit.errors import PROBLEM_RESPONSES
from turns.kit.pagination import MAX_LIMIT, Page

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], responses=PROBLEM_RESPONSES)
User = Annotated[CurrentUser, Depends(current_user)]


class AuditListQuery(AuditFilters):
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT)


@router.get("", response_model=Page[AuditOut], summary="Audit rows visible to you, filtered, newest first")
async def list_audit(conn: ReadTransaction, user: User, params: Annotated[AuditListQuery, Query()]) -> Page[AuditOut]:
    return await service.page(conn, user, params, params.cursor, params.limit)


@router.get("/{audit_id}", response_model=AuditOut, summary="One audit row")
async def get_audit(audit_id: UUID, conn: ReadTransaction, user: User) -> AuditOut:
    return await service.get(conn, user, audit_id)
