"""In-app notifications as the API returns them."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel


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
