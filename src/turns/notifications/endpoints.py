"""``/api/v1/notifications``: the signed-in user's in-app notifications, in the columns of
:func:`turns.access.columns.readable_columns` (the same as the notifications shape)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, status

from turns.access.identity import CurrentUser
from turns.auth.dependencies import current_user
from turns.auth.transaction import Transaction
from turns.kit.errors import PROBLEM_RESPONSES
from turns.kit.pagination import MAX_LIMIT, Page
from turns.notifications import service
from turns.notifications.schemas import NotificationOut, UnreadCount

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"], responses=PROBLEM_RESPONSES)
User = Annotated[CurrentUser, Depends(current_user)]


@router.get("", response_model=Page[NotificationOut], summary="My notifications, newest first")
async def list_notifications(
    conn: Transaction,
    user: User,
    unread: bool | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[NotificationOut]:
    return await service.page(conn, user.role, unread=unread, cursor=cursor, limit=limit)


@router.get("/unread-count", response_model=UnreadCount, summary="How many of my notifications are unread")
async def unread_count(conn: Transaction) -> UnreadCount:
    return UnreadCount(unread=await service.unread_count(conn))


@router.post("/{notification_id}/read", response_model=NotificationOut, summary="Mark one notification read")
async def mark_read(notification_id: UUID, conn: Transaction, user: User) -> NotificationOut:
    return await service.mark_read(conn, user.role, notification_id)


@router.post("/read-all", status_code=status.HTTP_204_NO_CONTENT, summary="Mark all my notifications read")
async def mark_all_read(conn: Transaction) -> None:
    await service.mark_all_read(conn)
