"""``/api/v1/audit``: the audit log as the caller may see it, newest first.

Read-only, on the read path (the replica when one is configured). Which rows is RLS's
decision (policy ``audit_logs_select``); a row the caller may not see is a 404.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import Field
from sqlalchemy import select

from turns.access.columns import visible
from turns.access.identity import CurrentUser
from turns.audit.schemas import AuditOut
from turns.audit.service import AuditFilters, scope_hint
from turns.auth.dependencies import current_user
from turns.auth.transaction import ReadTransaction
from turns.db.tables import audit_logs
from turns.kit.errors import PROBLEM_RESPONSES
from turns.kit.pagination import MAX_LIMIT, Page, page_of, paginate
from turns.kit.records import get_or_404

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], responses=PROBLEM_RESPONSES)
User = Annotated[CurrentUser, Depends(current_user)]
COLUMNS = [c.name for c in audit_logs.columns]
NEWEST_FIRST = "-created_at"


class AuditListQuery(AuditFilters):
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT)


def _out(row: Any, user: CurrentUser) -> AuditOut:
    values = visible("audit_logs", user.role, row)
    values["ip_address"] = None if row["ip_address"] is None else str(row["ip_address"])
    return AuditOut(**values)


@router.get("", response_model=Page[AuditOut], summary="Audit rows visible to you, filtered, newest first")
async def list_audit(conn: ReadTransaction, user: User, params: Annotated[AuditListQuery, Query()]) -> Page[AuditOut]:
    query = select(*(audit_logs.c[c] for c in COLUMNS)).where(
        *params.conditions(frozenset(COLUMNS)), *scope_hint(user.role, user.id)
    )
    query = paginate(
        query, audit_logs, sort=NEWEST_FIRST, allowed=("created_at",), cursor=params.cursor, limit=params.limit
    )
    rows = (await conn.execute(query)).mappings().all()
    items, next_cursor = page_of(rows, sort=NEWEST_FIRST, limit=params.limit)
    return Page[AuditOut](items=[_out(r, user) for r in items], next_cursor=next_cursor)


@router.get("/{audit_id}", response_model=AuditOut, summary="One audit row")
async def get_audit(audit_id: UUID, conn: ReadTransaction, user: User) -> AuditOut:
    return _out(await get_or_404(conn, audit_logs, audit_id, COLUMNS, "audit row"), user)
