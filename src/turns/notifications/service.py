"""The signed-in user's in-app notifications: list, count and mark read.

RLS shows each user only their own notifications, so no query here names the user; the
columns are the recipient role's (:func:`turns.access.columns.readable_columns`, the same rule
as the notifications shape), and every row leaves through :func:`turns.access.columns.visible`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from sqlalchemy import Column, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.columns import readable_columns, visible
from turns.db.tables import notifications
from turns.kit.errors import NotFound
from turns.kit.pagination import Page, page_of, paginate
from turns.notifications.schemas import NotificationOut


def _columns(role: str) -> list[Column[Any]]:
    return [notifications.c[c] for c in sorted(readable_columns("notifications", role))]


def _out(role: str, row: Mapping[Any, Any]) -> NotificationOut:
    return NotificationOut(**visible("notifications", role, row))


NEWEST_FIRST = "-created_at"


async def page(
    conn: AsyncConnection, role: str, *, unread: bool | None, cursor: str | None, limit: int
) -> Page[NotificationOut]:
    """Newest first; only the unread (or only the read) ones when ``unread`` says so."""
    query = select(*_columns(role))
    if unread is not None:
        query = query.where(notifications.c.is_read.is_(not unread))
    query = paginate(query, notifications, sort=NEWEST_FIRST, allowed=("created_at",), cursor=cursor, limit=limit)
    rows = (await conn.execute(query)).mappings().all()
    items, next_cursor = page_of(rows, sort=NEWEST_FIRST, limit=limit)
    return Page[NotificationOut](items=[_out(role, r) for r in items], next_cursor=next_cursor)


async def unread_count(conn: AsyncConnection) -> int:
    return (await conn.execute(select(func.count()).where(notifications.c.is_read.is_(False)))).scalar_one()


async def mark_read(conn: AsyncConnection, role: str, notification_id: UUID) -> NotificationOut:
    """A notification read once keeps the time it was first read."""
    query = (
        update(notifications)
        .where(notifications.c.id == notification_id)
        .values(is_read=True, read_at=func.coalesce(notifications.c.read_at, func.now()))
        .returning(*_columns(role))
    )
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        raise NotFound("no notification of yours has this id")
    return _out(role, row)


async def mark_all_read(conn: AsyncConnection) -> None:
    await conn.execute(
        update(notifications).where(notifications.c.is_read.is_(False)).values(is_read=True, read_at=func.now())
    )
