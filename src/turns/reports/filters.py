"""The filters every report takes, the access checks every report makes, and what builds a report.

Rows are whatever RLS lets the caller see (the reports read ``turns``, ``properties`` and the
stage history as the application role); :func:`turns.access.scope_hint` restates that scope
so the planner can use indexes. Columns are checked here: a report built on a column the
caller's role may not read answers 403 rather than leak it in an aggregate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.columns import readable_columns
from turns.access.identity import CurrentUser
from turns.access.scope import scope_hint
from turns.kit.errors import Forbidden
from turns.kit.filters import text_filter
from turns.unit_turns.service import TurnFilters

# The turn date a report's period applies to, and the TurnFilters range fields for it.
TurnDate = Literal["turn_completion_date", "move_out_date"]
_RANGES: dict[str, tuple[str, str]] = {
    "turn_completion_date": ("completed_from", "completed_to"),
    "move_out_date": ("move_out_from", "move_out_to"),
}


class ReportFilters(BaseModel):
    """Filters of every report, combined with AND. The period (`from`, `to`) applies to the
    date that defines the report, named in each report's description."""

    model_config = ConfigDict(extra="forbid")

    market: str | None = text_filter(100)
    property_id: UUID | None = None
    manager_id: UUID | None = Field(default=None, description="The property's manager or senior manager")
    vendor_id: UUID | None = Field(default=None, description="The turn's vendor or flooring vendor")
    start: date | None = Field(default=None, alias="from", description="First day of the period (inclusive)")
    end: date | None = Field(default=None, alias="to", description="Last day of the period (inclusive)")

    @model_validator(mode="after")
    def _ordered(self) -> ReportFilters:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError("`from` must not be after `to`")
        return self

    def turn_conditions(
        self, user: CurrentUser, dated: TurnDate | None, *, any_vendor: bool = True
    ) -> list[ColumnElement[bool]]:
        """WHERE conditions on ``turns`` for these filters, the period on ``dated``, and the
        caller's scope. ``any_vendor=False`` leaves the vendor filter to the caller."""
        filters = TurnFilters(
            market=self.market,
            property_id=self.property_id,
            manager_id=self.manager_id,
            vendor_id=self.vendor_id if any_vendor else None,
        )
        if dated is not None:
            low, high = _RANGES[dated]
            filters = filters.model_copy(update={low: self.start, high: self.end})
        return [
            *filters.conditions(readable_columns("turns", user.role)),
            *scope_hint("turns", user.role, user.id, user.vendor_id),
        ]


ReportBuilder = Callable[[AsyncConnection, CurrentUser, ReportFilters], Awaitable[BaseModel]]
"""What makes a report: a function of the caller's (read) transaction, identity and filters."""


def require(user: CurrentUser, table: str, columns: set[str]) -> None:
    """403 when the report needs a column of ``table`` that the caller's role may not read."""
    hidden = sorted(columns - readable_columns(table, user.role))
    if hidden:
        named = [f"{table}.{c}" for c in hidden]
        raise Forbidden(f"this report needs {', '.join(named)}, which your role may not read", fields=named)
