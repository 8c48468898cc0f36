"""API models of vendor visits (a vendor's date window on a turn), the schedule warning, and
the week calendar."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

VisitStatus = Literal["PROPOSED", "ACCEPTED", "COUNTERED", "DONE", "CANCELLED"]
Note = Annotated[str | None, Field(default=None, max_length=500)]


class VisitOut(BaseModel):
    """A visit as stored, with its vendor's name (a vendor user reads only its company's)."""

    id: UUID
    version: int
    turn_id: UUID
    property_id: UUID
    vendor_id: UUID
    vendor_name: str | None = None
    starts_on: date
    ends_on: date
    status: VisitStatus
    proposed_by: UUID | None = None
    countered_starts_on: date | None = None
    countered_ends_on: date | None = None
    note: str | None = None
    created_at: datetime
    updated_at: datetime


class ScheduleWarning(BaseModel):
    """An accepted visit ends after the turn's ready date: the home will not be ready on time.

    ``visit_ids`` are the accepted visits that end after ``ready_date``; ``latest_end`` the
    last of their ends, ``days_late`` how far past the ready date that is."""

    ready_date: date
    latest_end: date
    days_late: int
    visit_ids: list[UUID]
    message: str


class TurnVisits(BaseModel):
    items: list[VisitOut]
    ready_date: date | None = Field(description="The turn's ready date (expected_completion_date)")
    schedule_warning: ScheduleWarning | None = Field(description="Set when an accepted visit ends after the ready date")


class Window(BaseModel):
    """A date window: the first and the last day of the work, both included."""

    model_config = ConfigDict(extra="forbid")

    starts_on: date
    ends_on: date
    note: Note


class VisitCreate(Window):
    vendor_id: UUID


class WindowAnswer(Window):
    """A counter (vendor) or a new proposal (manager): another window, naming the version read."""

    version: int | None = Field(default=None, description="The version you read (or send If-Match)")


class VisitAction(BaseModel):
    """Accept, confirm, cancel or mark done, naming the version read; an optional note."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, description="The version you read (or send If-Match)")
    note: Note


class CalendarVisit(VisitOut):
    """A visit in a week: where (the turn and the home), who, when, and the turn's warning."""

    turn_code: str
    property_name: str | None = None
    address: str | None = None
    ready_date: date | None = None
    schedule_warning: ScheduleWarning | None = None


class Calendar(BaseModel):
    week_start: date = Field(description="The Monday of the week asked for")
    week_end: date = Field(description="Its Sunday")
    previous_week: date
    next_week: date
    items: list[CalendarVisit]
