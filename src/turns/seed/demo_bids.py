"""The demo's bids: quotes asked for some of a turn's lines, as migration 0021 keeps them.

About three in ten turns that went ahead had their largest line put out to bid while the scope
was written (with the winner's other lines of trades the rivals also do), due before the work
began. Two or three vendors that do the trade and serve the market were asked: the line's vendor
quoted the line's price and won (so the lines, and the turn amount, are the awarded prices),
another quoted higher and lost, and a third declined or never answered. Turns waiting for scope
approval (and the rejected ones, sent back for second quotes) have a request open, due in the
coming days, with one quote in and the other vendors still to answer; the demo vendor login's
company is asked first where it does the trade, so a vendor signing in has work to price.

Each row is written once, as it ends up, like the rest of the demo: a request and its bids in
one statement (each names the other: the request its awarded bid), then the covered lines and
the prices, whose guards fill in what they copy from the line and the bid. Only open requests
notify: the invited vendor's users of the request, the managers of the quote in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import psycopg
from psycopg import sql

from turns.notifications.templates import money
from turns.seed.demo_scope import CENT, ScopeVendors
from turns.seed.demo_turns import PROGRESS, SCOPE, Home, PlannedTurn

BID_SHARE = 0.3
"""The share of the turns that went ahead whose scope was partly put out to bid."""
TRIGGERS = (("bid_requests", "bid_requests_guard"), ("bids", "bids_guard"), ("bids", "bids_events"))
"""Held off while the bids are loaded: the guards would open every request and invite every bid
(and refuse a due date in the past), and the events would notify as of now."""
NOTES = ("Please quote by the due date.", "Second quote, as the DFO asked.", "Price includes materials?")
Prices = list[tuple[dict[str, Any], Decimal]]
"""A bid's unit cost for each line it covers."""
DECLINES = ("Fully booked until next month.", "Outside our service area this season.")


@dataclass(frozen=True)
class Bidding:
    """Who may be asked, and the people the load writes for."""

    vendors: ScopeVendors
    names: dict[UUID, str]  # company names, for the notifications
    logins: dict[UUID, UUID]  # a company's vendor user (the demo vendor login's company has one)
    favoured: UUID  # the demo vendor login's company
    now: datetime


@dataclass(frozen=True)
class Place:
    """The turn a request is on, as the request names it."""

    turn_id: UUID
    home: Home
    address: str


def _day(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


@dataclass(frozen=True)
class Asking:
    """A request to write: on which turn, for which lines, of whom (the lines' vendor first)."""

    turn: PlannedTurn
    place: Place
    lines: list[dict[str, Any]]
    invited: list[UUID]


def _asked(
    rng: random.Random,
    turn: PlannedTurn,
    place: Place,
    lines: list[dict[str, Any]],
    favoured: UUID | None,
    vendors: ScopeVendors,
) -> Asking | None:
    """The lines put out to bid and the vendors asked, or None when no line has a second vendor in
    the market that does its trade. The largest line is asked about, of as many vendors as can
    (``favoured`` first where it may be asked), with the lines' vendor's other lines the rivals
    also do."""

    def able(line: dict[str, Any]) -> list[UUID]:
        return vendors.able(line["trade"], place.home.market)

    anchors = [line for line in lines if line["vendor_id"] in able(line) and len(able(line)) >= 2]
    if not anchors:
        return None
    anchor = max(anchors, key=lambda line: (favoured in able(line), min(len(able(line)), 3), line["amount"]))
    winner = anchor["vendor_id"]
    others = [v for v in able(anchor) if v != winner]
    rivals = rng.sample(others, k=min(2, len(others)))
    asked = [
        line
        for line in lines
        if line["vendor_id"] == winner and all(line["trade"] in vendors.trades[v] for v in (winner, *rivals))
    ]
    return Asking(turn, place, asked, [winner, *rivals])


def _prices(rng: random.Random, lines: list[dict[str, Any]], low: float, high: float) -> Prices:
    """A unit cost per line, ``low`` to ``high`` times the line's (1 for its own price)."""
    return [(line, (line["unit_cost"] * Decimal(rng.uniform(low, high))).quantize(CENT)) for line in lines]


def write_bids(
    cur: psycopg.Cursor[Any],
    rng: random.Random,
    turn: PlannedTurn,
    place: Place,
    lines: list[dict[str, Any]],
    bidding: Bidding,
) -> None:
    """The turn's bid request, if it had one: settled before the work began, or open at scope approval."""
    stage = turn.history[-1][0]
    if stage >= PROGRESS and rng.random() < BID_SHARE:
        asking = _asked(rng, turn, place, lines, None, bidding.vendors)
        if asking:
            request, bids = _settled(rng, asking)
            _write(cur, asking, request, bids, bidding)
            _notify(cur, asking, request, bids, bidding, read=True)
    elif stage == SCOPE:
        asking = _asked(rng, turn, place, lines, bidding.favoured, bidding.vendors)
        if asking:
            request, bids = _open(rng, asking, bidding)
            _write(cur, asking, request, bids, bidding)
            _notify(cur, asking, request, bids, bidding)


def _settled(rng: random.Random, asking: Asking) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Asked while the scope was written, quoted, and awarded before it went for approval: the
    request and its bids."""
    lines = asking.lines
    written, submitted = lines[0]["created_at"], asking.turn.row["scope_submitted_at"]
    span = submitted - written
    asked_at = written + span * rng.uniform(0.05, 0.2)
    awarded_at = written + span * rng.uniform(0.8, 0.95)
    # The third vendor declined, or never answered.
    never: tuple[str, Prices | None] = ("DECLINED", []) if rng.random() < 0.5 else ("LOST", None)
    higher = ("LOST", _prices(rng, lines, 1.06, 1.35))
    outcomes: list[tuple[str, Prices | None]] = [("AWARDED", _prices(rng, lines, 1, 1))]
    outcomes += [higher, never] if len(asking.invited) == 3 else [higher if rng.random() < 0.6 else never]
    bids = []
    for vendor, (status, prices) in zip(asking.invited, outcomes, strict=True):
        answered = None if prices is None else asked_at + (awarded_at - asked_at) * rng.uniform(0.1, 0.8)
        note = rng.choice(DECLINES) if status == "DECLINED" else None
        bids.append(_bid(vendor, status, answered, prices, note, asked_at, awarded_at))
    request = {"status": "AWARDED", "awarded_bid_id": bids[0]["id"], "due_date": awarded_at.date(), "note": None}
    return request | {"created_at": asked_at, "updated_at": awarded_at}, bids


def _open(rng: random.Random, asking: Asking, bidding: Bidding) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Asked since the scope went for approval (or was rejected), one quote in, due in a few days:
    the request and its bids."""
    rejected = asking.turn.row.get("reject_datetime")
    since = rejected or asking.turn.row["scope_submitted_at"]
    asked_at = since + (bidding.now - since) * rng.uniform(0.1, 0.4)
    quoter = next(v for v in asking.invited if v != bidding.favoured)
    bids = []
    for vendor in asking.invited:
        if vendor == quoter:
            answered = asked_at + (bidding.now - asked_at) * rng.uniform(0.3, 0.8)
            prices = _prices(rng, asking.lines, 0.92, 1.2)
            bids.append(_bid(vendor, "SUBMITTED", answered, prices, None, asked_at, answered))
        else:
            bids.append(_bid(vendor, "INVITED", None, None, None, asked_at, asked_at))
    due = bidding.now.date() + timedelta(days=rng.randint(1, 4))
    note = NOTES[1] if rejected else rng.choice(NOTES[::2])
    request = {"status": "OPEN", "awarded_bid_id": None, "due_date": due, "note": note}
    return request | {"created_at": asked_at, "updated_at": asked_at}, bids


def _bid(
    vendor: UUID,
    status: str,
    answered: datetime | None,
    prices: Prices | None,
    note: str | None,
    asked_at: datetime,
    updated_at: datetime,
) -> dict[str, Any]:
    """A bid row (with its prices, under ``prices``, written apart)."""
    priced = prices or []
    return {
        "id": uuid4(),
        "vendor_id": vendor,
        "status": status,
        "submitted_at": answered,
        "note": note,
        "total": sum((line["quantity"] * cost for line, cost in priced), Decimal(0)) if priced else None,
        "created_at": asked_at,
        "updated_at": updated_at,
        "prices": priced,
    }


def _write(
    cur: psycopg.Cursor[Any],
    asking: Asking,
    request: dict[str, Any],
    bids: list[dict[str, Any]],
    bidding: Bidding,
) -> None:
    turn, place, lines = asking.turn, asking.place, asking.lines
    manager = place.home.manager
    request |= {
        "id": uuid4(),
        "turn_id": place.turn_id,
        "property_id": place.home.id,
        "turn_code": turn.row["turn_id"],
        "address": place.address,
        "requested_by": manager,
        "created_by": manager,
    }
    rows = [{k: v for k, v in bid.items() if k != "prices"} | {"request_id": request["id"]} for bid in bids]
    rows = [row | {"turn_id": place.turn_id, "created_by": manager} for row in rows]
    # One statement, so each row's reference to the other is checked once both are in.
    cur.execute(
        sql.SQL("WITH request AS ({}) {}").format(_insert("bid_requests", [request]), _insert("bids", rows)),
        [*request.values(), *(value for row in rows for value in row.values())],
    )
    asked = [[request["id"], line["id"], request["created_at"]] for line in lines]
    cur.executemany(_insert("bid_request_lines", [dict.fromkeys(("request_id", "scope_line_id", "created_at"))]), asked)
    prices = [
        [bid["id"], line["id"], cost, bidding.logins.get(bid["vendor_id"]), bid["submitted_at"], bid["submitted_at"]]
        for bid in bids
        for line, cost in bid["prices"]
    ]
    if prices:
        columns = ("bid_id", "scope_line_id", "unit_cost", "created_by", "created_at", "updated_at")
        cur.executemany(_insert("bid_prices", [dict.fromkeys(columns)]), prices)


def _insert(table: str, rows: list[dict[str, Any]]) -> sql.Composed:
    """INSERT of ``rows`` (all with the first row's columns), placeholders in row order."""
    return sql.SQL("INSERT INTO {} ({}) VALUES {}").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, rows[0])),
        sql.SQL(", ").join(sql.SQL("({})").format(sql.SQL(", ").join(sql.Placeholder() * len(rows[0]))) for _ in rows),
    )


def _notify(
    cur: psycopg.Cursor[Any],
    asking: Asking,
    request: dict[str, Any],
    bids: list[dict[str, Any]],
    bidding: Bidding,
    *,
    read: bool = False,
) -> None:
    """What the bids' events would have said (migrations 0021 and 0033): unread while the request
    still waits, ``read`` once it was settled long ago."""
    place, lines = asking.place, len(asking.lines)
    code, address = asking.turn.row["turn_id"], place.address
    notes = []
    for bid in bids:
        login = bidding.logins.get(bid["vendor_id"])
        if login is not None:
            title, body = (
                f"Bid request: {address}",
                f"Please quote {lines} line(s) at {address} by {_day(request['due_date'])}.",
            )
            notes.append((login, "bid_invited", title, body, request["created_at"]))
        if login is not None and bid["status"] == "AWARDED":
            title = f"Bid won: {address}"
            amount = money(bid["total"])
            body = f"Your bid of {amount} for {lines} line(s) of {code} was chosen: the lines are yours to do."
            notes.append((login, "bid_awarded", title, body, request["updated_at"]))
        elif login is not None and bid["status"] == "LOST":
            title = f"Another bid was chosen: {address}"
            body = f"Another vendor's bid was chosen for the {lines} line(s) of {code} at {address}."
            notes.append((login, "bid_lost", title, body, request["updated_at"]))
        if bid["status"] == "SUBMITTED":
            company = bidding.names[bid["vendor_id"]]
            title, body = f"{company} bid on {code}", f"{company} quoted {money(bid['total'])} for {lines} line(s)."
            notes += [
                (user, "bid_submitted", title, body, bid["submitted_at"])
                for user in (place.home.manager, place.home.senior)
            ]
    columns = (
        "user_id",
        "kind",
        "title",
        "body",
        "created_at",
        "updated_at",
        "turn_id",
        "property_id",
        "link",
        "is_read",
    )
    where = [place.turn_id, place.home.id, f"/turns/{place.turn_id}", read]
    cur.executemany(_insert("notifications", [dict.fromkeys(columns)]), [[*n, n[-1], *where] for n in notes])
