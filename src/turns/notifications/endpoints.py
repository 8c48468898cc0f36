"""``/api/v1/notifications``: the signed-in user's in-app notifications."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from turns.auth.transaction import Transaction
from turns.kit.errors import PROBLEM_RESPONSES
from turns.kit.pagination import MAX_LIMIT, Page
from turns.notifications import service
from turns.notifications.schemas import NotificationOut, UnreadCount

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=Page[NotificationOut], summary="My notifications, newest first")
async def list_notifications(
    conn: Transaction,
    unread: bool | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[NotificationOut]:
    return await service.page(conn, unread=unread, cursor=cursor, limit=limit)


@router.get("/unread-count", response_model=UnreadCount, summary="How many of my notifications are unread")
async def unread_count(conn: Transaction) -> UnreadCount:
    return UnreadCount(unread=await service.unread_count(conn))


@router.post("/{notification_id}/read", response_model=NotificationOut, summary="Mark one notification read")
async def mark_read(notification_id: UUID, conn: Transaction) -> NotificationOut:
    return await service.mark_read(conn, notification_id)


@router.post("/read-all", status_code=status.HTTP_204_NO_CONTENT, summary="Mark all my notifications read")
async def mark_all_read(conn: Transaction) -> None:
    await service.mark_all_read(conn)
