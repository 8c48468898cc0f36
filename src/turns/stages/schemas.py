"""API models of turn stages (the workflow's configuration)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class StageOut(BaseModel):
    id: UUID
    version: int
    name: str
    display_order: int
    color: str | None
    send_email_to_users: bool
    send_email_to_vendor: bool
    is_amount_required: bool
    is_vendor_required: bool
    requires_approval: bool
    is_complete_stage: bool
    is_active: bool
    requires_utilities_on: bool
    requires_final_walk: bool
    requires_lock_box: bool
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None


class StageFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    display_order: int | None = Field(default=None, ge=1, le=10_000, description="Position in the workflow (unique)")
    color: str | None = Field(default=None, pattern=r"^#[0-9A-Fa-f]{6}$", description="#RRGGBB")
    send_email_to_users: bool | None = None
    send_email_to_vendor: bool | None = None
    is_amount_required: bool | None = Field(default=None, description="A turn needs an amount to enter")
    is_vendor_required: bool | None = Field(default=None, description="A turn needs a vendor to enter")
    requires_approval: bool | None = Field(default=None, description="Later stages need an approved scope")
    is_complete_stage: bool | None = Field(default=None, description="Entering it completes and closes the turn")
    requires_utilities_on: bool | None = Field(
        default=None, description="A turn needs power, water and gas on to enter"
    )
    requires_final_walk: bool | None = Field(
        default=None, description="A turn needs its final walk (date, who) to enter"
    )
    requires_lock_box: bool | None = Field(
        default=None, description="A turn needs its lock box set (date, place) to enter"
    )


class StageCreate(StageFields):
    name: str = Field(min_length=1, max_length=100)
    display_order: int = Field(ge=1, le=10_000, description="Position in the workflow (unique)")


class StageUpdate(StageFields):
    version: int | None = Field(default=None, description="The version you read (or send If-Match)")
