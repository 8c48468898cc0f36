"""``/api/v1/notifications``: the signed-in user's in-app notifications, in the columns of
:func:`turns.access.readable_columns` (the same as the notifications shape)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel
from sqlalchemy import Column, func, select, update

from turns.access import readable_columns, visible
from turns.auth.dependencies import CurrentUser, current_user
from turns.db.tables import notifications
from turns.kit.errors import PROBLEM_RESPONSES, NotFound
from turns.kit.pagination import MAX_LIMIT, Page, page_of, paginate
from turns.kit.transaction import Transaction

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"], responses=PROBLEM_RESPONSES)
User = Annotated[CurrentUser, Depends(current_user)]


class NotificationOut(BaseModel):
    id: UUID
    version: int
    user_id: UUID
    kind: str
    title: str
    body: str | None
    turn_id: UUID | None
    property_id: UUID | None
    link: str | None
    is_read: bool
    read_at: datetime | None
    created_at: datetime


class UnreadCount(BaseModel):
    unread: int


def _columns(user: CurrentUser) -> list[Column[Any]]:
    return [notifications.c[c] for c in sorted(readable_columns("notifications", user.role))]


def _out(user: CurrentUser, row: Mapping[Any, Any]) -> NotificationOut:
    return NotificationOut(**visible("notifications", user.role, row))


@router.get("", response_model=Page[NotificationOut], summary="My notifications, newest first")
async def list_notifications(
    conn: Transaction,
    user: User,
    unread: bool | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[NotificationOut]:
    query = select(*_columns(user))
    if unread is not None:
        query = query.where(notifications.c.is_read.is_(not unread))
    query = paginate(query, notifications, sort="-created_at", allowed=("created_at",), cursor=cursor, limit=limit)
    rows = (await conn.execute(query)).mappings().all()
    items, next_cursor = page_of(rows, sort="-created_at", limit=limit)
    return Page[NotificationOut](items=[_out(user, r) for r in items], next_cursor=next_cursor)


@router.get("/unread-count", response_model=UnreadCount, summary="How many of my notifications are unread")
async def unread_count(conn: Transaction) -> UnreadCount:
    count = (await conn.execute(select(func.count()).where(notifications.c.is_read.is_(False)))).scalar_one()
    return UnreadCount(unread=count)


@router.post("/{notification_id}/read", response_model=NotificationOut, summary="Mark one notification read")
async def mark_read(notification_id: UUID, conn: Transaction, user: User) -> NotificationOut:
    query = (
        update(notifications)
        .where(notifications.c.id == notification_id)
        .values(is_read=True, read_at=func.coalesce(notifications.c.read_at, func.now()))
        .returning(*_columns(user))
    )
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        raise NotFound("no notification of yours has this id")
    return _out(user, row)


@router.post("/read-all", status_code=status.HTTP_204_NO_CONTENT, summary="Mark all my notifications read")
async def mark_all_read(conn: Transaction) -> None:
    await conn.execute(
        update(notifications).where(notifications.c.is_read.is_(False)).values(is_read=True, read_at=func.now())
    )
