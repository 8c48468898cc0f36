"""API models of bids: a request for quotes on some of a turn's lines, each invited vendor's bid
and its prices, and the answers a vendor and a manager send."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from turns.scope.schemas import Trade, Unit, UnitCost

RequestStatus = Literal["OPEN", "AWARDED", "CANCELLED"]
BidStatus = Literal["INVITED", "SUBMITTED", "DECLINED", "AWARDED", "LOST"]
Note = Annotated[str, Field(max_length=1000)]


class RequestedLine(BaseModel):
    """A line the vendors are asked to price, as it was when asked."""

    scope_line_id: UUID
    trade: Trade
    description: str
    quantity: Decimal
    unit: Unit


class Price(BaseModel):
    scope_line_id: UUID
    unit_cost: Decimal
    amount: Decimal
    note: str | None = None


class BidOut(BaseModel):
    """One invited vendor's answer; ``late``: the due date passed with no answer."""

    id: UUID
    version: int
    vendor_id: UUID
    vendor_name: str
    status: BidStatus
    submitted_at: datetime | None
    note: str | None
    total: Decimal | None
    late: bool
    prices: list[Price]


class BidRequestOut(BaseModel):
    """A request with its lines and the bids the caller may read (a vendor user: its own)."""

    id: UUID
    version: int
    turn_id: UUID
    property_id: UUID
    turn_code: str
    address: str
    requested_by: UUID
    due_date: date
    note: str | None
    status: RequestStatus
    awarded_bid_id: UUID | None
    overdue: bool = Field(description="The due date has passed: a vendor can no longer answer")
    created_at: datetime
    lines: list[RequestedLine]
    bids: list[BidOut]


class BidRequests(BaseModel):
    items: list[BidRequestOut]


class BidRequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_ids: list[UUID] = Field(min_length=1, max_length=200, description="Lines of this turn to be priced")
    vendor_ids: list[UUID] = Field(min_length=1, max_length=20, description="Approved vendors asked to quote")
    due_date: date
    note: Note | None = None


class PriceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope_line_id: UUID
    unit_cost: UnitCost
    note: Annotated[str, Field(max_length=500)] | None = None


class BidSubmit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, description="The bid's version you read (or send If-Match)")
    prices: list[PriceIn] = Field(min_length=1, max_length=200)
    note: Note | None = None


class BidDecline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, description="The bid's version you read (or send If-Match)")
    note: Note | None = None


class BidAward(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, description="The request's version you read (or send If-Match)")
    bid_id: UUID
