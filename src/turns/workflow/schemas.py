"""API models of the workflow actions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class Versioned(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, description="The version you read (or send If-Match)")


class TransitionRequest(Versioned):
    to_stage_id: UUID
    note: str | None = Field(default=None, max_length=1000)


class RejectRequest(Versioned):
    reason: str = Field(min_length=1, max_length=500)


class LockBoxRequest(Versioned):
    code: str | None = Field(default=None, min_length=1, max_length=50)
    location: str | None = Field(default=None, max_length=255)
    install_date: date | None = None


class QueueItem(BaseModel):
    id: UUID
    turn_id: str
    version: int
    status: str
    amount: Decimal = Field(description="Turn amount plus change orders: what is to be approved")
    approved_turn_amount: Decimal | None
    scope_submitted_by: UUID | None
    scope_submitted_at: datetime | None
    approval_requested_at: datetime | None
    waiting_seconds: int | None
    scope_photos_link: str | None
    property_uuid: UUID
    property_id: str
    property_name: str
    address: str
    market: str | None


class LockBoxCode(BaseModel):
    code: str | None


class WorkflowSettings(BaseModel):
    dfo_approval_threshold: Decimal = Field(description="A scope at or below it is approved when submitted")
    ho_approval_threshold: Decimal = Field(description="A scope above it needs an HO approver after the DFO")
    allow_self_approval: bool
    version: int


class WorkflowSettingsUpdate(Versioned):
    dfo_approval_threshold: Decimal | None = Field(default=None, ge=0, le=Decimal("99999999.99"))
    ho_approval_threshold: Decimal | None = Field(default=None, ge=0, le=Decimal("99999999.99"))
    allow_self_approval: bool | None = None
