"""API models of vendor companies."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


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


class VendorCreate(VendorFields):
    company_name: str = Field(min_length=1, max_length=255)


class VendorUpdate(VendorFields):
    version: int | None = Field(default=None, description="The version you read (or send If-Match)")
