"""API models of vendor companies."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, TypeVar
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from turns.kit.filters import NO_NUL
from turns.vendors.trades import Trade

T = TypeVar("T")


def _once(values: list[T] | None) -> list[T] | None:
    """Each value once, in the order first given (a trade ticked twice is one trade)."""
    return None if values is None else list(dict.fromkeys(values))


Market = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=NO_NUL)]


class VendorOut(BaseModel):
    id: UUID
    version: int
    company_name: str
    contact_name: str | None
    email: str | None
    phone: str | None
    street_address: str | None
    city: str | None
    state: str | None
    zip_code: str | None
    tax_id: str | None
    license_number: str | None
    insurance_expiry: date | None
    is_active: bool
    is_approved: bool
    average_rating: Decimal | None
    total_jobs: int
    trades: list[str] = Field(description="Trade codes (PAINT, FLOORING, ...), see the vendor trades list")
    markets: list[str] = Field(description="Markets served, named as properties name their market")
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None


class VendorFields(BaseModel):
    """What a person edits; the rating and job count are statistics, not edited here."""

    model_config = ConfigDict(extra="forbid")

    company_name: str | None = Field(default=None, min_length=1, max_length=255)
    contact_name: str | None = Field(default=None, max_length=255)
    email: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=20)
    street_address: str | None = Field(default=None, max_length=255)
    city: str | None = Field(default=None, max_length=100)
    state: str | None = Field(default=None, max_length=50)
    zip_code: str | None = Field(default=None, max_length=20)
    tax_id: str | None = Field(default=None, max_length=50)
    license_number: str | None = Field(default=None, max_length=100)
    insurance_expiry: date | None = None
    is_approved: bool | None = None
    trades: Annotated[list[Trade] | None, AfterValidator(_once)] = Field(default=None, max_length=20)
    markets: Annotated[list[Market] | None, AfterValidator(_once)] = Field(default=None, max_length=100)


class VendorCreate(VendorFields):
    company_name: str = Field(min_length=1, max_length=255)


class VendorUpdate(VendorFields):
    version: int | None = Field(default=None, description="The version you read (or send If-Match)")
