"""API models of users (the password hash is never in any of them)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from turns.access.actions import NEW_USER_ROLE
from turns.access.roles import ROLES
from turns.auth.passwords import MIN_LENGTH


def _known_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role; choose one of {', '.join(ROLES)}")
    return role


Role = Annotated[str, AfterValidator(_known_role), WithJsonSchema({"type": "string", "enum": list(ROLES)})]
Email = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=3, max_length=255)]


class UserOut(BaseModel):
    """A user as the caller may see them: admins get every field, the directory fewer."""

    id: UUID
    version: int
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    role: Role | None = None
    is_active: bool | None = None
    vendor_id: UUID | None = None
    email_verified: bool | None = None
    last_login: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_by: UUID | None = None
    updated_by: UUID | None = None


class UserFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email | None = None
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=20)
    role: Role | None = None
    vendor_id: UUID | None = Field(default=None, description="The company of a VENDOR user (only of one)")


class UserCreate(UserFields):
    email: Email
    password: str = Field(min_length=MIN_LENGTH, max_length=1024, description="The initial password")
    role: Role = NEW_USER_ROLE


class UserInvite(UserFields):
    """A user who chooses their own password through the e-mailed link."""

    email: Email
    role: Role = "USER"


class LinkSent(BaseModel):
    expires_at: datetime = Field(description="When the e-mailed link stops working")


class AcceptInvite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=200, description="The token of the e-mailed link")
    password: str = Field(max_length=1024, description="The password to sign in with from now on")


class InviteAccepted(BaseModel):
    email: str = Field(description="The e-mail to sign in with")


class UserUpdate(UserFields):
    version: int | None = Field(default=None, description="The version you read (or send If-Match)")
