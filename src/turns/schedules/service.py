"""Vendor visits: who proposes, answers and closes a visit beyond RLS, which status each step
starts from, the schedule warning, and the week calendar.

Who hears about a change, and the rows that record it, are the database's (migration
0022_schedules: notification, e-mail, audit and version triggers), so every path that writes
a visit tells the same people.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from fastapi import Response
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.actions import ANSWERS_VISITS, FINISHES_VISITS, SCHEDULES_VENDORS
from turns.access.identity import CurrentUser
from turns.api.updates import update_row
from turns.db.tables import properties, turns, vendor_visits, vendors
from turns.kit.errors import Conflict, Forbidden, NotFound, Unprocessable
from turns.kit.records import Edit, insert_row, set_etag
from turns.schedules.schemas import (
    Calendar,
    CalendarVisit,
    ScheduleWarning,
    TurnVisits,
    VisitCreate,
    VisitOut,
    Window,
)

WHAT = "vendor visit"
COLUMNS = [c.name for c in vendor_visits.columns]
LONGEST_WINDOW = 90  # days: a window longer than a season is a typo, not a plan
OPEN = frozenset({"PROPOSED", "ACCEPTED", "COUNTERED"})
LABELS = {
    "PROPOSED": "proposed",
    "ACCEPTED": "accepted",
    "COUNTERED": "countered",
    "DONE": "done",
    "CANCELLED": "cancelled",
}


def check_window(window: Window) -> None:
    """A window ends on or after its first day, and lasts at most :data:`LONGEST_WINDOW` days."""
    if window.ends_on < window.starts_on:
        raise Unprocessable(
            f"the window ends ({window.ends_on}) before it starts ({window.starts_on})", fields=["ends_on"]
        )
    if (window.ends_on - window.starts_on).days >= LONGEST_WINDOW:
        raise Unprocessable(f"a visit's window lasts at most {LONGEST_WINDOW} days", fields=["ends_on"])


def schedule_warning(ready_date: date | None, visits: Iterable[Mapping[Any, Any]]) -> ScheduleWarning | None:
    """The warning a turn carries when an accepted visit ends after its ready date (None: on time)."""
    if ready_date is None:
        return None
    late = sorted(
        (v for v in visits if v["status"] == "ACCEPTED" and v["ends_on"] > ready_date),
        key=lambda v: (v["ends_on"], str(v["id"])),
    )
    if not late:
        return None
    latest = late[-1]["ends_on"]
    days = (latest - ready_date).days
    count = "a vendor visit ends" if len(late) == 1 else f"{len(late)} vendor visits end"
    return ScheduleWarning(
        ready_date=ready_date,
        latest_end=latest,
        days_late=days,
        visit_ids=[v["id"] for v in late],
        message=f"{count} after the ready date ({ready_date:%a %d %b}): the home is ready {days} day"
        f"{'' if days == 1 else 's'} late at the earliest ({latest:%a %d %b}).",
    )


def _visits() -> Any:
    """Visits with their vendor's name (the vendors a reader may see; a vendor user its own)."""
    return select(vendor_visits, vendors.c.company_name.label("vendor_name")).select_from(
        vendor_visits.outerjoin(vendors, vendors.c.id == vendor_visits.c.vendor_id)
    )


async def _one(conn: AsyncConnection, visit_id: UUID) -> Mapping[Any, Any]:
    row = (await conn.execute(_visits().where(vendor_visits.c.id == visit_id))).mappings().first()
    if row is None:
        raise NotFound(f"no {WHAT} with this id is visible to you")
    return row


async def _turn(conn: AsyncConnection, turn_id: UUID) -> Mapping[Any, Any]:
    query = select(turns.c.id, turns.c.vendor_id, turns.c.flooring_vendor_id, turns.c.expected_completion_date)
    row = (await conn.execute(query.where(turns.c.id == turn_id))).mappings().first()
    if row is None:
        raise NotFound("no turn with this id is visible to you")
    return row


async def list_visits(conn: AsyncConnection, turn_id: UUID) -> TurnVisits:
    """The turn's visits (a vendor user: its company's), in date order, with the schedule warning."""
    turn = await _turn(conn, turn_id)
    query = _visits().where(vendor_visits.c.turn_id == turn_id)
    rows = (await conn.execute(query.order_by(vendor_visits.c.starts_on, vendor_visits.c.created_at))).mappings().all()
    ready = turn["expected_completion_date"]
    return TurnVisits(
        items=[VisitOut(**r) for r in rows], ready_date=ready, schedule_warning=schedule_warning(ready, rows)
    )


async def get_visit(conn: AsyncConnection, visit_id: UUID, response: Response) -> VisitOut:
    row = await _one(conn, visit_id)
    set_etag(response, row)
    return VisitOut(**row)


async def create_visit(
    conn: AsyncConnection, user: CurrentUser, turn_id: UUID, body: VisitCreate, response: Response
) -> VisitOut:
    """A window proposed to one of the turn's vendors (the company RLS lets see the turn)."""
    turn = await _turn(conn, turn_id)
    if user.role not in SCHEDULES_VENDORS:
        raise Forbidden("only admins and the property's managers schedule vendors")
    check_window(body)
    if body.vendor_id not in (turn["vendor_id"], turn["flooring_vendor_id"]):
        raise Unprocessable(
            "schedule a vendor assigned to this turn (its vendor or flooring vendor); assign the company first",
            fields=["vendor_id"],
        )
    values = body.model_dump(exclude_unset=True) | {"turn_id": turn_id, "proposed_by": user.id}
    row = await insert_row(conn, vendor_visits, values, ["id"])
    response.headers["Location"] = f"/api/v1/vendor-visits/{row['id']}"
    return await get_visit(conn, row["id"], response)


@dataclass(frozen=True)
class Step:
    """One move of a visit: who takes it, from which statuses, and what it writes."""

    name: str
    done: str  # what the visit becomes, in words: "accepted", "moved" ...
    roles: frozenset[str]
    starts_from: frozenset[str]
    values: Callable[[Mapping[Any, Any], Window | None, CurrentUser], dict[str, Any]]
    refusal: str


def _window(window: Window | None) -> Window:
    assert window is not None  # the endpoints of the steps that take a window require one
    check_window(window)
    return window


STEPS = {
    "accept": Step(
        "accept",
        "accepted",
        ANSWERS_VISITS,
        frozenset({"PROPOSED"}),
        lambda row, w, u: {"status": "ACCEPTED"},
        "only the vendor's users accept a visit",
    ),
    "counter": Step(
        "counter",
        "countered",
        ANSWERS_VISITS,
        frozenset({"PROPOSED", "ACCEPTED"}),
        lambda row, w, u: {
            "status": "COUNTERED",
            "countered_starts_on": _window(w).starts_on,
            "countered_ends_on": _window(w).ends_on,
        },
        "only the vendor's users propose another window",
    ),
    "confirm": Step(
        "confirm",
        "confirmed",
        SCHEDULES_VENDORS,
        frozenset({"COUNTERED"}),
        lambda row, w, u: {
            "status": "ACCEPTED",
            "starts_on": row["countered_starts_on"],
            "ends_on": row["countered_ends_on"],
            "countered_starts_on": None,
            "countered_ends_on": None,
        },
        "only admins and the property's managers confirm a vendor's window",
    ),
    "reschedule": Step(
        "reschedule",
        "moved",
        SCHEDULES_VENDORS,
        OPEN,
        lambda row, w, u: {
            "status": "PROPOSED",
            "starts_on": _window(w).starts_on,
            "ends_on": _window(w).ends_on,
            "countered_starts_on": None,
            "countered_ends_on": None,
            "proposed_by": u.id,
        },
        "only admins and the property's managers move a visit",
    ),
    "cancel": Step(
        "cancel",
        "cancelled",
        SCHEDULES_VENDORS,
        OPEN,
        lambda row, w, u: {"status": "CANCELLED", "countered_starts_on": None, "countered_ends_on": None},
        "only admins and the property's managers cancel a visit",
    ),
    "done": Step(
        "done",
        "marked done",
        FINISHES_VISITS,
        frozenset({"ACCEPTED"}),
        lambda row, w, u: {"status": "DONE"},
        "only the vendor's users and the property's managers mark a visit done",
    ),
}


async def take_step(
    conn: AsyncConnection,
    user: CurrentUser,
    visit_id: UUID,
    step: Step,
    edit: Edit,
    window: Window | None,
    response: Response,
) -> VisitOut:
    """``step`` taken on a visit the caller sees (else 404), by a role it allows (else 403), from
    a status it starts from (else 409 with the visit as it is), at the version the caller read."""
    current = await _one(conn, visit_id)
    if user.role not in step.roles:
        raise Forbidden(step.refusal)
    if current["status"] not in step.starts_from:
        starts = " or ".join(sorted(LABELS[s] for s in step.starts_from))
        raise Conflict(
            f"the visit is {LABELS[current['status']]}: only a {starts} visit can be {step.done}",
            current=VisitOut(**current).model_dump(mode="json"),
        )
    values = step.values(current, window, user)
    if edit.changes.get("note") is not None:
        values["note"] = edit.changes["note"]
    await update_row(
        conn,
        vendor_visits,
        visit_id,
        edit.version,
        values,
        COLUMNS,
        role=user.role,
        what=WHAT,
        from_header=edit.from_header,
    )
    return await get_visit(conn, visit_id, response)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _in_week(first: date, last: date) -> ColumnElement[bool]:
    """The visit's window, or the window its vendor proposes instead, meets the week."""
    v = vendor_visits.c
    return or_(
        and_(v.starts_on <= last, v.ends_on >= first),
        and_(v.countered_starts_on <= last, v.countered_ends_on >= first),
    )


async def calendar(conn: AsyncConnection, week: date) -> Calendar:
    """The visits (not cancelled) the caller may read that meet the week of ``week`` (Monday to
    Sunday), with the home's address, the vendor's name and each turn's schedule warning."""
    first = monday(week)
    last = first + timedelta(days=6)
    address = properties.c.street_address + ", " + properties.c.city + ", " + properties.c.state
    query = (
        select(
            vendor_visits,
            vendors.c.company_name.label("vendor_name"),
            turns.c.turn_id.label("turn_code"),
            turns.c.expected_completion_date.label("ready_date"),
            properties.c.name.label("property_name"),
            address.label("address"),
        )
        .select_from(
            vendor_visits.join(turns, turns.c.id == vendor_visits.c.turn_id)
            .outerjoin(properties, properties.c.id == vendor_visits.c.property_id)
            .outerjoin(vendors, vendors.c.id == vendor_visits.c.vendor_id)
        )
        .where(vendor_visits.c.status != "CANCELLED", _in_week(first, last))
        .order_by(vendor_visits.c.starts_on, address, vendor_visits.c.id)
    )
    rows = (await conn.execute(query)).mappings().all()
    accepted = await _accepted_by_turn(conn, {r["turn_id"] for r in rows})
    items = [
        CalendarVisit(**r, schedule_warning=schedule_warning(r["ready_date"], accepted.get(r["turn_id"], [])))
        for r in rows
    ]
    return Calendar(
        week_start=first,
        week_end=last,
        previous_week=first - timedelta(days=7),
        next_week=first + timedelta(days=7),
        items=items,
    )


async def _accepted_by_turn(conn: AsyncConnection, turn_ids: set[UUID]) -> dict[UUID, list[Mapping[Any, Any]]]:
    """The accepted visits (as the caller reads them) of each of these turns, in any week."""
    if not turn_ids:
        return {}
    v = vendor_visits.c
    query = select(v.id, v.turn_id, v.status, v.ends_on).where(v.turn_id.in_(turn_ids), v.status == "ACCEPTED")
    found: dict[UUID, list[Mapping[Any, Any]]] = {}
    for row in (await conn.execute(query)).mappings():
        found.setdefault(row["turn_id"], []).append(row)
    return found
