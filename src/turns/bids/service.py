"""Bids: who asks, who answers and who awards, beyond RLS, and the checks that make a refusal say
what to fix. The database (migration 0021_bids) keeps each price's amount, each bid's total and
its late answers out, and notifies; awarding writes the winner's vendor and unit costs onto the
covered scope lines in the caller's transaction, so the turn amount follows by the scope's own
trigger, or nothing is written."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.actions import ANSWERS_BIDS, ASKS_FOR_BIDS, COMPARES_BIDS
from turns.access.identity import CurrentUser
from turns.api.updates import update_row
from turns.bids.schemas import (
    BidAward,
    BidDecline,
    BidOut,
    BidRequestCreate,
    BidRequestOut,
    BidRequests,
    BidSubmit,
    Price,
    RequestedLine,
)
from turns.db.tables import bid_prices, bid_request_lines, bid_requests, bids, scope_lines, vendors
from turns.kit.errors import Conflict, Forbidden, Unprocessable
from turns.kit.records import Edit, Row, get_or_404
from turns.scope.schemas import MAX_LINE_AMOUNT
from turns.scope.service import line_amount
from turns.workflow.service import load_turn

BID_COLUMNS = ["id", "version", "request_id", "vendor_id", "status", "submitted_at", "note", "total"]
ANSWERABLE = ("INVITED", "SUBMITTED", "DECLINED")


def _day(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


async def _today(conn: AsyncConnection) -> date:
    today: date = (await conn.execute(select(func.current_date()))).scalar_one()
    return today


async def _requests(conn: AsyncConnection, *conditions: ColumnElement[bool]) -> list[BidRequestOut]:
    """The requests meeting ``conditions`` that the caller reads, newest first, each with its lines
    and the bids (and prices) RLS shows the caller."""
    today = await _today(conn)
    query = select(bid_requests).where(*conditions).order_by(bid_requests.c.created_at.desc(), bid_requests.c.id)
    requests = (await conn.execute(query)).mappings().all()
    ids = [r["id"] for r in requests]
    lines: dict[UUID, list[RequestedLine]] = defaultdict(list)
    line_query = (
        select(bid_request_lines)
        .where(bid_request_lines.c.request_id.in_(ids))
        .order_by(bid_request_lines.c.trade, bid_request_lines.c.description, bid_request_lines.c.id)
    )
    for row in (await conn.execute(line_query)).mappings():
        lines[row["request_id"]].append(RequestedLine.model_validate(dict(row)))
    prices: dict[UUID, list[Price]] = defaultdict(list)
    for row in (await conn.execute(select(bid_prices).where(bid_prices.c.request_id.in_(ids)))).mappings():
        prices[row["bid_id"]].append(Price.model_validate(dict(row)))
    due = {r["id"]: r["due_date"] for r in requests}
    answers: dict[UUID, list[BidOut]] = defaultdict(list)
    bid_query = (
        select(
            *(bids.c[c] for c in BID_COLUMNS), func.coalesce(vendors.c.company_name, "A vendor").label("vendor_name")
        )
        .select_from(bids.outerjoin(vendors, vendors.c.id == bids.c.vendor_id))
        .where(bids.c.request_id.in_(ids))
        .order_by(vendors.c.company_name, bids.c.id)
    )
    for row in (await conn.execute(bid_query)).mappings():
        late = row["status"] == "INVITED" and today > due[row["request_id"]]
        answers[row["request_id"]].append(BidOut(**dict(row), late=late, prices=prices[row["id"]]))
    return [
        BidRequestOut(**dict(r), overdue=today > r["due_date"], lines=lines[r["id"]], bids=answers[r["id"]])
        for r in requests
    ]


async def list_for_turn(conn: AsyncConnection, user: CurrentUser, turn_id: UUID) -> BidRequests:
    await load_turn(conn, turn_id)
    if user.role not in COMPARES_BIDS:
        raise Forbidden("a turn's bids are read by its managers, admins and approvers")
    return BidRequests(items=await _requests(conn, bid_requests.c.turn_id == turn_id))


async def list_mine(
    conn: AsyncConnection, user: CurrentUser, open_only: bool, due_after: date | None, turn_id: UUID | None
) -> BidRequests:
    """A vendor user's requests: those its company is invited to (RLS shows it no other), open
    ones only or every one, due on or after ``due_after`` and for ``turn_id``, when given."""
    if user.role not in ANSWERS_BIDS:
        raise Forbidden("this list is a vendor's own bid requests; managers compare bids on the turn")
    conditions = [bid_requests.c.status == "OPEN"] if open_only else []
    if due_after is not None:
        conditions.append(bid_requests.c.due_date >= due_after)
    if turn_id is not None:
        conditions.append(bid_requests.c.turn_id == turn_id)
    return BidRequests(items=await _requests(conn, *conditions))


async def _missing(conn: AsyncConnection, query: Any, wanted: list[UUID]) -> list[str]:
    found = set((await conn.scalars(query)).all())
    return [str(i) for i in wanted if i not in found]


async def create_request(
    conn: AsyncConnection, user: CurrentUser, turn_id: UUID, body: BidRequestCreate
) -> BidRequestOut:
    await load_turn(conn, turn_id)
    if user.role not in ASKS_FOR_BIDS:
        raise Forbidden("only admins and the property's managers ask for bids")
    line_ids, vendor_ids = list(dict.fromkeys(body.line_ids)), list(dict.fromkeys(body.vendor_ids))
    lines = select(scope_lines.c.id).where(
        scope_lines.c.turn_id == turn_id, scope_lines.c.removed_at.is_(None), scope_lines.c.id.in_(line_ids)
    )
    missing = await _missing(conn, lines, line_ids)
    if missing:
        raise Unprocessable(f"not lines of this turn's scope: {', '.join(missing)}", fields=["line_ids"])
    approved = select(vendors.c.id).where(vendors.c.id.in_(vendor_ids), vendors.c.is_active, vendors.c.is_approved)
    missing = await _missing(conn, approved, vendor_ids)
    if missing:
        raise Unprocessable(f"not approved, active vendors: {', '.join(missing)}", fields=["vendor_ids"])
    today = await _today(conn)
    if body.due_date < today:
        raise Unprocessable(f"the due date {_day(body.due_date)} is in the past", fields=["due_date"])
    values = {"turn_id": turn_id, "requested_by": user.id, "due_date": body.due_date, "note": body.note}
    request_id = (await conn.execute(insert(bid_requests).values(values).returning(bid_requests.c.id))).scalar_one()
    await conn.execute(insert(bid_request_lines), [{"request_id": request_id, "scope_line_id": i} for i in line_ids])
    await conn.execute(insert(bids), [{"request_id": request_id, "vendor_id": v} for v in vendor_ids])
    return (await _requests(conn, bid_requests.c.id == request_id))[0]


async def _check_open(conn: AsyncConnection, user: CurrentUser, request_id: UUID, verb: str) -> None:
    """The request is one the caller reads (else 404), may decide (403) and is still open (409)."""
    request = await get_or_404(conn, bid_requests, request_id, ["id", "status"], "bid request")
    if user.role not in ASKS_FOR_BIDS:
        raise Forbidden(f"only admins and the property's managers {verb} bid requests")
    if request["status"] != "OPEN":
        raise Conflict(f"this bid request is already {request['status'].lower()}")


async def _close(
    conn: AsyncConnection, user: CurrentUser, request_id: UUID, edit: Edit, values: dict[str, Any]
) -> None:
    """The request decided (``values``), at the version the caller read."""
    columns = ["id", "version", "status"]
    options: dict[str, Any] = {"role": user.role, "what": "bid request", "from_header": edit.from_header}
    await update_row(conn, bid_requests, request_id, edit.version, values, columns, **options)


async def cancel(conn: AsyncConnection, user: CurrentUser, request_id: UUID, edit: Edit) -> BidRequestOut:
    """The request is withdrawn: it takes no more prices or answers (the database refuses them,
    migration 0021_bids) and its bids stay as they were, for the record."""
    await _check_open(conn, user, request_id, "cancel")
    await _close(conn, user, request_id, edit, {"status": "CANCELLED"})
    return (await _requests(conn, bid_requests.c.id == request_id))[0]


async def _open_bid(conn: AsyncConnection, user: CurrentUser, bid_id: UUID) -> Row:
    """The caller's bid, if it may still be answered; else why not, in words."""
    bid = await get_or_404(conn, bids, bid_id, BID_COLUMNS, "bid")
    if user.role not in ANSWERS_BIDS:
        raise Forbidden("only the invited vendor answers its bid")
    request = await get_or_404(conn, bid_requests, bid["request_id"], ["status", "due_date"], "bid request")
    if request["status"] != "OPEN" or bid["status"] not in ANSWERABLE:
        raise Conflict(f"this bid request is {request['status'].lower()}: it takes no more answers")
    if await _today(conn) > request["due_date"]:
        raise Conflict(f"bids were due on {_day(request['due_date'])}: a late bid is not accepted")
    return bid


async def _answer(
    conn: AsyncConnection, user: CurrentUser, bid: Row, version: int, values: dict[str, Any], from_header: bool
) -> BidRequestOut:
    await update_row(
        conn, bids, bid["id"], version, values, BID_COLUMNS, role=user.role, what="bid", from_header=from_header
    )
    return (await _requests(conn, bid_requests.c.id == bid["request_id"]))[0]


def _check_prices(body: BidSubmit, quantities: dict[UUID, Decimal]) -> None:
    """Every line of the request priced once, each amount within the bounds of a scope line."""
    seen: set[UUID] = set()
    for index, price in enumerate(body.prices):
        field = f"prices[{index}]"
        if price.scope_line_id not in quantities:
            raise Unprocessable(f"{field}: the line {price.scope_line_id} is not in this request", fields=[field])
        if price.scope_line_id in seen:
            raise Unprocessable(f"{field}: the line {price.scope_line_id} is priced twice", fields=[field])
        seen.add(price.scope_line_id)
        if line_amount(quantities[price.scope_line_id], price.unit_cost) > MAX_LINE_AMOUNT:
            raise Unprocessable(
                f"{field}.unit_cost: a line's amount (quantity x unit cost) is at most {MAX_LINE_AMOUNT:,}",
                fields=[f"{field}.unit_cost"],
            )
    unpriced = len(quantities) - len(seen)
    if unpriced:
        raise Unprocessable(f"price every line of the request: {unpriced} left without a price", fields=["prices"])


async def submit(conn: AsyncConnection, user: CurrentUser, bid_id: UUID, body: BidSubmit, edit: Edit) -> BidRequestOut:
    """The vendor's prices for every line (again, while the request is open and not yet due)."""
    bid = await _open_bid(conn, user, bid_id)
    lines = select(bid_request_lines.c.scope_line_id, bid_request_lines.c.quantity).where(
        bid_request_lines.c.request_id == bid["request_id"]
    )
    quantities = {row[0]: row[1] for row in await conn.execute(lines)}
    _check_prices(body, quantities)
    rows = [{"bid_id": bid_id, **p.model_dump()} for p in body.prices]
    statement = upsert(bid_prices).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[bid_prices.c.bid_id, bid_prices.c.scope_line_id],
        set_={"unit_cost": statement.excluded.unit_cost, "note": statement.excluded.note},
    )
    await conn.execute(statement)
    values = {"status": "SUBMITTED", "note": body.note, "submitted_at": func.now()}
    return await _answer(conn, user, bid, edit.version, values, edit.from_header)


async def decline(
    conn: AsyncConnection, user: CurrentUser, bid_id: UUID, body: BidDecline, edit: Edit
) -> BidRequestOut:
    bid = await _open_bid(conn, user, bid_id)
    return await _answer(conn, user, bid, edit.version, {"status": "DECLINED", "note": body.note}, edit.from_header)


async def award(
    conn: AsyncConnection, user: CurrentUser, request_id: UUID, body: BidAward, edit: Edit
) -> BidRequestOut:
    """The chosen bid wins, the other open bids lose, and each covered line takes the winner as its
    vendor and the winner's unit cost, all in this transaction."""
    await _check_open(conn, user, request_id, "award")
    winner = (
        await conn.execute(
            select(bids.c.vendor_id, bids.c.status).where(bids.c.id == body.bid_id, bids.c.request_id == request_id)
        )
    ).first()
    if winner is None:
        raise Unprocessable("the bid is not one of this request's", fields=["bid_id"])
    if winner.status != "SUBMITTED":
        raise Unprocessable(
            f"only a submitted bid can be awarded; this one is {winner.status.lower()}", fields=["bid_id"]
        )
    await _close(conn, user, request_id, edit, {"status": "AWARDED", "awarded_bid_id": body.bid_id})
    await conn.execute(update(bids).where(bids.c.id == body.bid_id).values(status="AWARDED"))
    others = bids.c.request_id == request_id, bids.c.id != body.bid_id, bids.c.status.in_(("INVITED", "SUBMITTED"))
    await conn.execute(update(bids).where(*others).values(status="LOST"))
    prices = (
        await conn.execute(
            select(bid_prices.c.scope_line_id, bid_prices.c.unit_cost).where(bid_prices.c.bid_id == body.bid_id)
        )
    ).all()
    for line_id, unit_cost in prices:
        line = scope_lines.c.id == line_id, scope_lines.c.removed_at.is_(None)
        await conn.execute(update(scope_lines).where(*line).values(vendor_id=winner.vendor_id, unit_cost=unit_cost))
    return (await _requests(conn, bid_requests.c.id == request_id))[0]
