"""API models of turns (the record; workflow actions have models of their own)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from urllib.parse import urlsplit
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

UtilityStatus = Literal["YES", "NO", "PENDING"]
ApprovalStatus = Literal[
    "PENDING", "DFO_APPROVAL_NEEDED", "DFO_APPROVED", "HO_APPROVAL_NEEDED", "HO_APPROVED", "REJECTED"
]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("99999999.99"), decimal_places=2)]


def _web_link(value: str) -> str:
    """A link the web app renders as ``<a href>``: only http(s), so no ``javascript:`` or
    ``data:`` URL runs in a colleague's browser when they open it."""
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// link")
    return value.strip()


WebLink = Annotated[str, Field(max_length=500, description="An http:// or https:// link"), AfterValidator(_web_link)]


class TurnOut(BaseModel):
    """A turn as the caller may see it (a vendor user gets no money and no approvals;
    nobody gets the lock-box code, which has a reveal endpoint of its own)."""

    id: UUID
    version: int
    turn_id: str | None = None
    property_id: UUID | None = None
    stage_id: UUID | None = None
    wo_number: str | None = None
    move_out_date: date | None = None
    trash_out_needed: bool | None = None
    turn_amount: Decimal | None = None
    approved_turn_amount: Decimal | None = None
    change_order_amount: Decimal | None = None
    vendor_id: UUID | None = None
    turns_superintendent_id: UUID | None = None
    flooring_vendor_id: UUID | None = None
    expected_completion_date: date | None = None
    occupancy_check_date: date | None = None
    scope_approved_date: date | None = None
    turn_assignment_date: date | None = None
    final_walk_date: date | None = None
    sent_to_leasing_date: date | None = None
    scan_360_date: date | None = None
    turn_completion_date: date | None = None
    power_status: UtilityStatus | None = None
    water_status: UtilityStatus | None = None
    gas_status: UtilityStatus | None = None
    power_provider_id: UUID | None = None
    water_provider_id: UUID | None = None
    gas_provider_id: UUID | None = None
    scope_approval_status: ApprovalStatus | None = None
    scope_submitted_by: UUID | None = None
    scope_submitted_at: datetime | None = None
    approval_requested_at: datetime | None = None
    dfo_approval_user_id: UUID | None = None
    dfo_approval_datetime: datetime | None = None
    ho_approval_user_id: UUID | None = None
    ho_approval_datetime: datetime | None = None
    reject_user_id: UUID | None = None
    reject_datetime: datetime | None = None
    reject_reason: str | None = None
    order_inside_maps: bool | None = None
    generate_wo_email: bool | None = None
    appliances_needed: bool | None = None
    appliances_ordered: bool | None = None
    scope_photos_link: str | None = None
    status: str | None = None
    sub_status: str | None = None
    is_active: bool | None = None
    lock_box_install_date: date | None = None
    lock_box_location: str | None = None
    final_walk_by: UUID | None = None
    move_in_date: date | None = None
    sent_to_leasing_at: datetime | None = None
    sent_to_leasing_by: UUID | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_by: UUID | None = None
    updated_by: UUID | None = None


class TurnFields(BaseModel):
    """The fields a turn's record holds that a person edits directly. The stage, the
    approval columns, the approved amount and the completion date move only through the
    workflow actions; the lock-box code through its own endpoint."""

    model_config = ConfigDict(extra="forbid")

    wo_number: str | None = Field(default=None, max_length=50)
    move_out_date: date | None = None
    trash_out_needed: bool | None = None
    turn_amount: Money | None = None
    change_order_amount: Money | None = None
    vendor_id: UUID | None = None
    turns_superintendent_id: UUID | None = None
    flooring_vendor_id: UUID | None = None
    expected_completion_date: date | None = None
    occupancy_check_date: date | None = None
    turn_assignment_date: date | None = None
    final_walk_date: date | None = None
    final_walk_by: UUID | None = Field(default=None, description="Who walked the finished home")
    sent_to_leasing_date: date | None = None
    scan_360_date: date | None = None
    power_status: UtilityStatus | None = None
    water_status: UtilityStatus | None = None
    gas_status: UtilityStatus | None = None
    power_provider_id: UUID | None = None
    water_provider_id: UUID | None = None
    gas_provider_id: UUID | None = None
    order_inside_maps: bool | None = None
    generate_wo_email: bool | None = None
    appliances_needed: bool | None = None
    appliances_ordered: bool | None = None
    scope_photos_link: WebLink | None = None
    status: str | None = Field(default=None, max_length=100)
    sub_status: str | None = Field(default=None, max_length=100)
    lock_box_install_date: date | None = None
    lock_box_location: str | None = Field(default=None, max_length=255)


class TurnCreate(TurnFields):
    turn_id: str | None = Field(
        default=None, min_length=1, max_length=50, description="The operator's own turn number (one is made if absent)"
    )
    property_id: UUID
    note: str | None = Field(
        default=None, max_length=1000, description="Why or how the turn starts; kept as its first stage-history note"
    )


class TurnUpdate(TurnFields):
    version: int | None = Field(default=None, description="The version you read (or send If-Match)")
