"""API models of properties."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class PropertyOut(BaseModel):
    """A property as the caller may see it (a vendor user gets fewer fields)."""

    id: UUID
    version: int
    property_id: str | None = None
    name: str | None = None
    street_address: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    country: str | None = None
    county: str | None = None
    year_built: int | None = None
    market: str | None = None
    area_sqft: int | None = None
    bedrooms: Decimal | None = None
    bathrooms: Decimal | None = None
    is_active: bool | None = None
    is_section_8: bool | None = None
    in_disposition: bool | None = None
    has_insurance: bool | None = None
    has_squatters: bool | None = None
    is_core: bool | None = None
    ownership_status: bool | None = None
    property_manager_id: UUID | None = None
    sr_property_manager_id: UUID | None = None
    move_in_date: date | None = None
    move_out_date: date | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_by: UUID | None = None
    updated_by: UUID | None = None


class PropertyFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=255)
    street_address: str | None = Field(default=None, min_length=1, max_length=255)
    city: str | None = Field(default=None, max_length=100)
    state: str | None = Field(default=None, max_length=50)
    zip_code: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, max_length=100)
    county: str | None = Field(default=None, max_length=100)
    year_built: int | None = Field(default=None, ge=1700, le=2100)
    market: str | None = Field(default=None, max_length=100)
    area_sqft: int | None = Field(default=None, gt=0, le=1_000_000)
    bedrooms: Decimal | None = Field(default=None, ge=0, le=99, decimal_places=1)
    bathrooms: Decimal | None = Field(default=None, ge=0, le=99, decimal_places=1)
    is_section_8: bool | None = None
    in_disposition: bool | None = None
    has_insurance: bool | None = None
    has_squatters: bool | None = None
    is_core: bool | None = None
    ownership_status: bool | None = None
    property_manager_id: UUID | None = None
    sr_property_manager_id: UUID | None = None
    move_in_date: date | None = None
    move_out_date: date | None = None


class PropertyCreate(PropertyFields):
    property_id: str = Field(min_length=1, max_length=50, description="The operator's own property number")
    name: str = Field(min_length=1, max_length=255)
    street_address: str = Field(min_length=1, max_length=255)


class PropertyUpdate(PropertyFields):
    version: int | None = Field(default=None, description="The version you read (or send If-Match)")
