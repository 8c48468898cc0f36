"""Request and response bodies of the auth endpoints."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    """Request bodies reject unknown fields."""

    model_config = ConfigDict(extra="forbid")


class LoginRequest(Strict):
    email: str = Field(min_length=3, max_length=255)
    password: str = Field(min_length=1, max_length=1024)


class Me(BaseModel):
    id: UUID
    email: str
    first_name: str | None
    last_name: str | None
    phone: str | None
    role: str
    vendor_id: UUID | None
    session_id: UUID


class LoginResponse(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>`; browsers get it as a cookie too.")
    csrf_token: str = Field(description="Send as `X-CSRF-Token` on cookie-authenticated writes.")
    session_id: UUID
    expires_at: datetime
    user: Me


class SessionInfo(BaseModel):
    id: UUID
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip_address: str | None
    user_agent: str | None
    current: bool


class PasswordChange(Strict):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=10, max_length=1024)
