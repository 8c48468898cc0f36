"""Utility providers: the table the endpoints serve, its rules and list filters (every signed-in
user reads providers; admins write)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement

from turns.access.roles import ADMINS
from turns.api.versioned import Resource, only
from turns.db.tables import utility_providers
from turns.utilities.schemas import UtilityProviderOut, UtilityType

RESOURCE = Resource(
    utility_providers,
    "/api/v1/utility-providers",
    "utility provider",
    UtilityProviderOut,
    ("name", "created_at", "updated_at"),
)
check_admin = only(ADMINS, "only admins change utility providers")


class UtilityProviderFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    utility_type: UtilityType | None = None
    market: str | None = Field(default=None, max_length=100)
    state: str | None = Field(default=None, max_length=50)
    active: bool | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        for column, value in (
            ("utility_type", self.utility_type),
            ("market", self.market),
            ("state", self.state),
            ("is_active", self.active),
        ):
            if value is not None:
                found.append(utility_providers.c[column] == value)
        return found
