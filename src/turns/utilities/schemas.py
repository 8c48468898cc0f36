"""API models of utility providers (power, water and gas companies)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

UtilityType = Literal["POWER", "WATER", "GAS"]


class UtilityProviderOut(BaseModel):
    id: UUID
    version: int
    name: str
    utility_type: UtilityType
    phone: str | None
    email: str | None
    website: str | None
    market: str | None
    state: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None


class UtilityProviderFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=255)
    utility_type: UtilityType | None = None
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=255)
    website: str | None = Field(default=None, max_length=500)
    market: str | None = Field(default=None, max_length=100)
    state: str | None = Field(default=None, max_length=50)


class UtilityProviderCreate(UtilityProviderFields):
    name: str = Field(min_length=1, max_length=255)
    utility_type: UtilityType


class UtilityProviderUpdate(UtilityProviderFields):
    version: int | None = Field(default=None, description="The version you read (or send If-Match)")
