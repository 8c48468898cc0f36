"""``/api/v1/turns/{id}/bid-requests``: a manager asks vendors to quote lines and compares the
bids; ``/api/v1/bids``: a vendor user's own requests, priced or declined;
``/api/v1/bid-requests/{id}/award`` and ``/cancel``: the manager's choice, or none."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter, Query, status

from turns.api.versioned import IfMatch, User
from turns.auth.transaction import Transaction
from turns.bids import service
from turns.bids.schemas import BidAward, BidDecline, BidRequestCreate, BidRequestOut, BidRequests, BidSubmit
from turns.kit.errors import PROBLEM_RESPONSES
from turns.kit.records import Edit, VersionOnly

router = APIRouter(prefix="/api/v1", tags=["bids"], responses=PROBLEM_RESPONSES)


@router.get(
    "/turns/{turn_id}/bid-requests",
    response_model=BidRequests,
    summary="A turn's bid requests, each with its lines and every vendor's bid side by side",
)
async def list_turn_bid_requests(turn_id: UUID, conn: Transaction, user: User) -> BidRequests:
    return await service.list_for_turn(conn, user, turn_id)


@router.post(
    "/turns/{turn_id}/bid-requests",
    response_model=BidRequestOut,
    status_code=status.HTTP_201_CREATED,
    summary="Ask approved vendors to quote lines of the turn by a due date (admins, the property's managers)",
)
async def create_bid_request(turn_id: UUID, body: BidRequestCreate, conn: Transaction, user: User) -> BidRequestOut:
    return await service.create_request(conn, user, turn_id, body)


@router.get(
    "/bids",
    response_model=BidRequests,
    summary="A vendor user's bid requests with its own bid (open ones unless mine=true&open=false)",
)
async def list_my_bids(
    conn: Transaction,
    user: User,
    mine: bool = Query(default=True, description="Only the caller's own bids (the one list there is)"),
    open_only: bool = Query(default=True, alias="open", description="Only requests still open"),
    due_after: date | None = Query(
        default=None, description="Only requests due on or after this day (a vendor's recent history)"
    ),
    turn_id: UUID | None = Query(default=None, description="Only the requests for this turn"),
) -> BidRequests:
    return await service.list_mine(conn, user, open_only, due_after, turn_id)


@router.post(
    "/bids/{bid_id}/submit",
    response_model=BidRequestOut,
    summary="Price every line of the request (the invited vendor, before the due date; name the bid's version)",
)
async def submit_bid(
    bid_id: UUID, body: BidSubmit, conn: Transaction, user: User, if_match: IfMatch = None
) -> BidRequestOut:
    return await service.submit(conn, user, bid_id, body, Edit.of(body, if_match))


@router.post(
    "/bids/{bid_id}/decline",
    response_model=BidRequestOut,
    summary="Decline to quote (the invited vendor, before the due date; name the bid's version)",
)
async def decline_bid(
    bid_id: UUID, body: BidDecline, conn: Transaction, user: User, if_match: IfMatch = None
) -> BidRequestOut:
    return await service.decline(conn, user, bid_id, body, Edit.of(body, if_match))


@router.post(
    "/bid-requests/{request_id}/award",
    response_model=BidRequestOut,
    summary="Award a submitted bid: the lines take its vendor and unit costs, the other bids lose",
)
async def award_bid(
    request_id: UUID, body: BidAward, conn: Transaction, user: User, if_match: IfMatch = None
) -> BidRequestOut:
    return await service.award(conn, user, request_id, body, Edit.of(body, if_match))


@router.post(
    "/bid-requests/{request_id}/cancel",
    response_model=BidRequestOut,
    summary="Cancel an open bid request (admins, the property's managers): vendors can no longer price it",
)
async def cancel_bid_request(
    request_id: UUID, body: VersionOnly, conn: Transaction, user: User, if_match: IfMatch = None
) -> BidRequestOut:
    return await service.cancel(conn, user, request_id, Edit.of(body, if_match))
