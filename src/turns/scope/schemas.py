"""API models of a turn's scope lines and of the change between the approved and the current scope."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

Trade = Literal[
    "PAINT", "FLOORING", "APPLIANCES", "PLUMBING", "ELECTRICAL", "HVAC", "CLEANING", "LANDSCAPING", "ROOFING", "GENERAL"
]
Unit = Literal["each", "sq ft", "sq yd", "ln ft", "hour", "room", "lot"]
LineStatus = Literal["OPEN", "DONE"]
MAX_LINE_AMOUNT = Decimal("1000000.00")
Quantity = Annotated[Decimal, Field(gt=0, le=Decimal("100000"), decimal_places=2)]
UnitCost = Annotated[Decimal, Field(ge=0, le=MAX_LINE_AMOUNT, decimal_places=2)]
LineMoney = Annotated[Decimal, Field(ge=0, le=MAX_LINE_AMOUNT, decimal_places=2)]
Position = Annotated[int, Field(ge=0, le=10000)]
Description = Annotated[str, Field(min_length=1, max_length=500, pattern=r"\S")]


class ScopeLineOut(BaseModel):
    """A line as the caller may read it (a vendor user: not the charge-back nor the approved amount)."""

    id: UUID
    version: int
    turn_id: UUID | None = None
    property_id: UUID | None = None
    position: int | None = None
    trade: Trade | None = None
    description: str | None = None
    quantity: Decimal | None = None
    unit: Unit | None = None
    unit_cost: Decimal | None = None
    amount: Decimal | None = None
    vendor_id: UUID | None = None
    chargeback: bool | None = None
    chargeback_amount: Decimal | None = None
    approved_amount: Decimal | None = None
    status: LineStatus | None = None
    done_at: datetime | None = None
    removed_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_by: UUID | None = None
    updated_by: UUID | None = None


class ScopeLines(BaseModel):
    items: list[ScopeLineOut]


class ScopeLineFields(BaseModel):
    """What a person edits on a line; its amount is always quantity x unit cost."""

    model_config = ConfigDict(extra="forbid")

    position: Position | None = None
    trade: Trade | None = None
    description: Description | None = None
    quantity: Quantity | None = None
    unit: Unit | None = None
    unit_cost: UnitCost | None = None
    vendor_id: UUID | None = None
    chargeback: bool | None = None
    chargeback_amount: LineMoney | None = None
    status: LineStatus | None = None


class ScopeLineCreate(ScopeLineFields):
    trade: Trade
    description: Description
    quantity: Quantity
    unit_cost: UnitCost


class ScopeLineUpdate(ScopeLineFields):
    version: int | None = Field(default=None, description="The version you read (or send If-Match)")


class LineChange(BaseModel):
    """One line's part in the change: what was approved and what it is now (None: not there)."""

    id: UUID
    trade: Trade
    description: str
    old_amount: Decimal | None
    new_amount: Decimal | None
    difference: Decimal


class ScopeChanges(BaseModel):
    """What changed since the scope was last approved, line by line, and in total."""

    approved_total: Decimal | None
    current_total: Decimal
    difference: Decimal
    added: list[LineChange]
    removed: list[LineChange]
    changed: list[LineChange]
