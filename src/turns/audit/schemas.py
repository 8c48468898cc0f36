"""API models of the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

AuditAction = Literal["CREATE", "UPDATE", "DELETE", "VIEW", "EXPORT"]


class AuditOut(BaseModel):
    """One audit row: who did what to which record, when, from where, and what changed."""

    id: UUID
    created_at: datetime
    action: AuditAction
    table_name: str
    record_id: UUID
    user_id: UUID | None = Field(description="Who acted; null for a system action (see `context`)")
    user_email: str
    user_name: str
    user_role: str
    ip_address: str | None
    user_agent: str | None
    session_id: UUID | None
    context: str | None
    property_id: UUID | None
    turn_id: UUID | None
    vendor_id: UUID | None
    changed_fields: list[str] | None
    old_values: dict[str, Any] | None = Field(description="The row before, in the columns your role may read")
    new_values: dict[str, Any] | None = Field(description="The row after, in the columns your role may read")
    metadata: dict[str, Any] | None = Field(description="What a VIEW or EXPORT concerned (field, filters, rows)")
