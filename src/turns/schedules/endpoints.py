"""``/api/v1/turns/{id}/vendor-visits``, ``/api/v1/vendor-visits/{id}/...``: when each vendor
works on a turn, and ``/api/v1/calendar``: the visits of a week."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from turns.api.versioned import IfMatch, User
from turns.auth.transaction import Transaction
from turns.kit.errors import PROBLEM_RESPONSES
from turns.kit.records import Edit
from turns.schedules import service
from turns.schedules.schemas import Calendar, TurnVisits, VisitAction, VisitCreate, VisitOut, WindowAnswer

router = APIRouter(prefix="/api/v1", tags=["schedules"], responses=PROBLEM_RESPONSES)


@router.get(
    "/turns/{turn_id}/vendor-visits",
    response_model=TurnVisits,
    summary="A turn's vendor visits in date order (a vendor user: its company's), with the schedule warning",
)
async def list_visits(turn_id: UUID, conn: Transaction, user: User) -> TurnVisits:
    return await service.list_visits(conn, turn_id)


@router.post(
    "/turns/{turn_id}/vendor-visits",
    response_model=VisitOut,
    status_code=status.HTTP_201_CREATED,
    summary="Propose a date window to one of the turn's vendors (admins, the property's managers)",
)
async def create_visit(turn_id: UUID, body: VisitCreate, conn: Transaction, user: User, response: Response) -> VisitOut:
    return await service.create_visit(conn, user, turn_id, body, response)


@router.get("/vendor-visits/{visit_id}", response_model=VisitOut, summary="One vendor visit")
async def get_visit(visit_id: UUID, conn: Transaction, user: User, response: Response) -> VisitOut:
    return await service.get_visit(conn, visit_id, response)


def _add_step(name: str, summary: str, window: bool) -> None:
    """``POST /vendor-visits/{id}/{name}``: a step of :data:`turns.schedules.service.STEPS`;
    the steps that move the window take one (``starts_on``, ``ends_on``)."""
    step = service.STEPS[name]

    if window:

        async def with_window(
            visit_id: UUID,
            body: WindowAnswer,
            conn: Transaction,
            user: User,
            response: Response,
            if_match: IfMatch = None,
        ) -> VisitOut:
            edit = Edit.of(body, if_match)
            return await service.take_step(conn, user, visit_id, step, edit, body, response)

        endpoint = with_window
    else:

        async def without_window(
            visit_id: UUID,
            body: VisitAction,
            conn: Transaction,
            user: User,
            response: Response,
            if_match: IfMatch = None,
        ) -> VisitOut:
            return await service.take_step(conn, user, visit_id, step, Edit.of(body, if_match), None, response)

        endpoint = without_window  # type: ignore[assignment]
    router.add_api_route(
        f"/vendor-visits/{{visit_id}}/{name}",
        endpoint,
        methods=["POST"],
        name=f"{name}_vendor_visit",
        response_model=VisitOut,
        summary=summary,
    )


_add_step("accept", "Accept a proposed window (the vendor's users)", window=False)
_add_step("counter", "Propose another window (the vendor's users)", window=True)
_add_step("confirm", "Accept the vendor's window: it becomes the visit's (admins, the property's managers)", False)
_add_step("reschedule", "Propose a new window; the vendor answers again (admins, the property's managers)", True)
_add_step("cancel", "Cancel an open visit (admins, the property's managers)", window=False)
_add_step("done", "Mark an accepted visit done (the vendor's users, admins, the property's managers)", False)


@router.get(
    "/calendar",
    response_model=Calendar,
    summary="The vendor visits of a week (Monday to Sunday) the caller may read: a manager their turns', "
    "a vendor its jobs, admins all",
)
async def week_calendar(
    conn: Transaction,
    user: User,
    week: Annotated[date | None, Query(description="Any day of the week; today's week when left out")] = None,
) -> Calendar:
    return await service.calendar(conn, week or date.today())
