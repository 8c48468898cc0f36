"""The demo's turns: a year of completed turns and today's open ones, planned in memory.

Each turn is planned as the row it ends up as, with the stage history that led there, the
approvals that let it through (who decided, and when) and the in-app notifications its
people would have had. Times are placed relative to ``now``: everything that happened is
in the past; only ready-by dates and scheduled final walks may lie ahead. About a fifth of
the open turns are past their ready-by date, as in a portfolio that mostly keeps up.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from turns.notifications.templates import money

DRAFT, SCOPE, PROGRESS, WALK, COMPLETE = range(5)
OPEN_CYCLE = (PROGRESS, DRAFT, SCOPE, WALK, SCOPE)
"""Stages of the open turns, in turn: every manager's board has work in several columns."""
OVERDUE_EVERY = 5
"""Every fifth open turn (the first In Progress of each cycle) is past its ready-by date."""
SCOPE_CYCLE = ("DFO_APPROVAL_NEEDED", "HO_APPROVAL_NEEDED", "DFO_APPROVAL_NEEDED", "REJECTED", "HO_APPROVAL_NEEDED")
REJECT_REASONS = (
    "Paint line is above our market rate; ask a second vendor to bid.",
    "Flooring quote covers rooms the inspection found in good shape.",
)
STAGE_NAMES = ("Draft", "Scope Approval", "In Progress", "Final Walk", "Complete")
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Home:
    """What the turn plan needs to know of a property."""

    id: UUID
    index: int
    name: str
    market: str
    manager: UUID
    senior: UUID
    providers: dict[str, UUID]


@dataclass(frozen=True)
class People:
    dfo: UUID
    ho: UUID
    vendors_by_market: dict[str, list[UUID]]
    ho_threshold: Decimal


@dataclass
class PlannedTurn:
    row: dict[str, Any]
    history: list[tuple[int, datetime]]  # (stage index, entered at), oldest first
    notifications: list[dict[str, Any]] = field(default_factory=list)
    move_in: date | None = None
    visits: list[dict[str, Any]] = field(default_factory=list)  # its vendor's visits (vendor_visits rows)


@dataclass
class Clock:
    """``now`` and the day it falls on, fixed once per load so every date is relative to it."""

    now: datetime

    @property
    def today(self) -> date:
        return self.now.date()


def _amount(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low, high) * 25)


def _stage_times(rng: random.Random, needs_ho: bool) -> dict[str, timedelta]:
    """When each step of a turn happens, from the moment its Draft was opened."""
    steps: dict[str, timedelta] = {"draft": timedelta(0)}
    steps["submitted"] = steps["draft"] + HOUR * rng.uniform(26, 90)
    steps["dfo"] = steps["submitted"] + HOUR * rng.uniform(2, 30)
    steps["ho"] = steps["dfo"] + HOUR * rng.uniform(3, 40) if needs_ho else steps["dfo"]
    steps["progress"] = steps["ho"] + HOUR * rng.uniform(14, 44)
    steps["walk"] = steps["progress"] + HOUR * rng.uniform(4 * 24, 15 * 24)
    steps["complete"] = steps["walk"] + HOUR * rng.uniform(18, 70)
    return steps


def _approvals(status: str, at: dict[str, datetime], people: People, submitter: UUID) -> dict[str, Any]:
    """The approval columns of a turn whose scope reached ``status``."""
    values: dict[str, Any] = {
        "scope_approval_status": status,
        "scope_submitted_by": submitter,
        "scope_submitted_at": at["submitted"],
        "approval_requested_at": at["submitted"],
    }
    if status in ("HO_APPROVAL_NEEDED", "HO_APPROVED", "DFO_APPROVED"):
        values |= {"dfo_approval_user_id": people.dfo, "dfo_approval_datetime": at["dfo"]}
    if status == "HO_APPROVAL_NEEDED":
        values["approval_requested_at"] = at["dfo"]
    if status == "HO_APPROVED":
        values |= {"ho_approval_user_id": people.ho, "ho_approval_datetime": at["ho"]}
    if status in ("DFO_APPROVED", "HO_APPROVED"):
        values["scope_approved_date"] = at["ho" if status == "HO_APPROVED" else "dfo"].date()
    return values


def _base_row(
    rng: random.Random, turn_id: str, home: Home, move_out: date, ready_by: date, created: datetime
) -> dict[str, Any]:
    return {
        "turn_id": turn_id,
        "property_id": home.id,
        "wo_number": f"WO-{rng.randint(100000, 999999)}",
        "move_out_date": move_out,
        "expected_completion_date": ready_by,
        "power_provider_id": home.providers["POWER"],
        "water_provider_id": home.providers["WATER"],
        "gas_provider_id": home.providers["GAS"],
        "lock_box_location": rng.choice(["Front door", "Garage side door", "Back gate", "Hose bib"]),
        "primary_lock_box_code": f"{rng.randint(0, 9999):04d}",
        "lock_box_install_date": move_out,
        "trash_out_needed": rng.random() < 0.4,
        "created_at": created,
    }


def _vendor(rng: random.Random, home: Home, people: People, nth: int) -> UUID:
    candidates = people.vendors_by_market[home.market]
    return candidates[nth % len(candidates)] if nth >= 0 else rng.choice(candidates)


def completed_turn(
    rng: random.Random, home: Home, people: People, clock: Clock, turn_id: str, ends_by: date
) -> PlannedTurn:
    """A turn finished before ``ends_by`` (its move-in on or before that day)."""
    amount = _amount(rng, 60, 640)
    change_order = _amount(rng, 6, 40) if rng.random() < 0.25 else None
    final = amount + (change_order or 0)
    needs_ho = final > people.ho_threshold
    steps = _stage_times(rng, needs_ho)
    lease_gap = timedelta(days=rng.randint(2, 20))
    span = steps["complete"] + lease_gap
    start = datetime.combine(ends_by, time(9), clock.now.tzinfo) - span - HOUR * rng.uniform(0, 8)
    at = {name: start + offset for name, offset in steps.items()}
    move_out = (at["draft"] - HOUR * rng.uniform(0, 30)).date()
    done = at["complete"].date()
    # Ready-by set at move-out; about three in four turns make it.
    ready_by = done + timedelta(days=rng.choice([-3, 0, 1, 2, 4, 6, 9]))
    status = "HO_APPROVED" if needs_ho else "DFO_APPROVED"
    row = _base_row(rng, turn_id, home, move_out, max(ready_by, move_out + timedelta(days=7)), at["draft"])
    row |= _approvals(status, at, people, home.manager)
    row |= {
        "turn_amount": amount,
        "change_order_amount": change_order,
        "approved_turn_amount": final,  # a change order is approved again before it is paid
        "vendor_id": _vendor(rng, home, people, -1),
        "power_status": "YES",
        "water_status": "YES",
        "gas_status": "YES",
        "turn_assignment_date": at["progress"].date(),
        "final_walk_date": at["walk"].date(),
        "final_walk_by": home.manager,
        "sent_to_leasing_date": done,
        "sent_to_leasing_at": at["complete"] + HOUR,
        "sent_to_leasing_by": home.manager,
        "move_in_date": done + lease_gap,
        "turn_completion_date": done,
        "is_active": False,
        "updated_at": at["complete"],
    }
    history = [(DRAFT, at["draft"]), (SCOPE, at["submitted"]), (PROGRESS, at["progress"])]
    history += [(WALK, at["walk"]), (COMPLETE, at["complete"])]
    return PlannedTurn(row, history, move_in=done + lease_gap)


def open_turn(rng: random.Random, home: Home, people: People, clock: Clock, turn_id: str, slot: int) -> PlannedTurn:
    """The ``slot``-th open turn of the portfolio, in the stage the cycle gives it."""
    stage = OPEN_CYCLE[slot % len(OPEN_CYCLE)]
    overdue = slot % OVERDUE_EVERY == 0
    status = {DRAFT: "PENDING", SCOPE: SCOPE_CYCLE[(slot // len(OPEN_CYCLE)) % len(SCOPE_CYCLE)]}.get(stage, "")
    amount = _amount(rng, 70, 560)
    if status == "HO_APPROVAL_NEEDED":
        amount = people.ho_threshold + _amount(rng, 20, 240)  # only scopes above the threshold reach the HO
    needs_ho = amount > people.ho_threshold
    if not status:
        status = "HO_APPROVED" if needs_ho else "DFO_APPROVED"
    steps = _stage_times(rng, needs_ho)
    entered = {DRAFT: "draft", SCOPE: "submitted", PROGRESS: "progress", WALK: "walk"}[stage]
    if status in ("HO_APPROVAL_NEEDED", "REJECTED"):
        entered = "dfo"  # the last thing that happened is the DFO's decision
    waited = HOUR * rng.uniform(20, 80) if not overdue else HOUR * rng.uniform(9 * 24, 14 * 24)
    start = clock.now - waited - steps[entered]
    at = {name: start + offset for name, offset in steps.items()}
    move_out = (at["draft"] - HOUR * rng.uniform(0, 30)).date()
    ready_by = clock.today + timedelta(days=rng.randint(2, 16))
    if overdue:
        ready_by = clock.today - timedelta(days=rng.randint(1, 4))
    row = _base_row(rng, turn_id, home, move_out, ready_by, at["draft"])
    row |= {
        "turn_amount": None if stage == DRAFT and (slot // len(OPEN_CYCLE)) % 3 != 2 else amount,
        "is_active": True,
        "updated_at": at[entered],
        "power_status": rng.choice(["YES", "NO", "PENDING"]) if stage <= SCOPE else "YES",
        "water_status": rng.choice(["YES", "PENDING"]) if stage <= SCOPE else "YES",
        "gas_status": rng.choice(["YES", "NO"]) if stage <= SCOPE else "YES",
    }
    if status != "PENDING":
        row |= _approvals(status, at, people, home.manager)
    if status == "REJECTED":
        row |= {
            "reject_user_id": people.dfo,
            "reject_datetime": at["dfo"],
            "reject_reason": REJECT_REASONS[slot % len(REJECT_REASONS)],
        }
    if stage >= PROGRESS:
        row |= {
            "approved_turn_amount": amount,
            "vendor_id": _vendor(rng, home, people, slot // len(OPEN_CYCLE)),
            "turn_assignment_date": at["progress"].date(),
        }
    if stage == WALK:
        row["final_walk_date"] = clock.today + timedelta(days=rng.randint(0, 3))  # scheduled
    history = [
        (s, at[name])
        for s, name in ((DRAFT, "draft"), (SCOPE, "submitted"), (PROGRESS, "progress"), (WALK, "walk"))
        if s <= stage
    ]
    turn = PlannedTurn(row, history)
    turn.notifications = _notifications(turn, home, people, stage, status, at)
    turn.visits = _visits(row, stage, clock)
    return turn


def _visits(row: dict[str, Any], stage: int, clock: Clock) -> list[dict[str, Any]]:
    """The vendor's visit of a turn at work: on site this week (an overdue turn's visit ends after
    its ready date, so the calendar warns), and done before the final walk."""
    if stage not in (PROGRESS, WALK):
        return []
    if stage == PROGRESS:
        starts, ends, status = clock.today - timedelta(days=1), clock.today + timedelta(days=2), "ACCEPTED"
    else:
        starts, ends, status = clock.today - timedelta(days=6), clock.today - timedelta(days=3), "DONE"
    return [{"vendor_id": row["vendor_id"], "starts_on": starts, "ends_on": ends, "status": status}]


def _notifications(
    turn: PlannedTurn, home: Home, people: People, stage: int, status: str, at: dict[str, datetime]
) -> list[dict[str, Any]]:
    """What the workflow would have told this turn's people; read unless it is about what
    still waits for them."""
    amount = money(turn.row["turn_amount"] or 0)
    notes: list[dict[str, Any]] = []
    if status in ("DFO_APPROVAL_NEEDED", "HO_APPROVAL_NEEDED"):
        level = "DFO" if status == "DFO_APPROVAL_NEEDED" else "HO"
        notes.append(
            {
                "user_id": people.dfo if level == "DFO" else people.ho,
                "kind": "approval_requested",
                "title": f"{turn.row['turn_id']} needs {level} approval",
                "body": f"Scope for {turn.row['turn_id']} at {home.name}: {amount}.",
                "created_at": turn.row["approval_requested_at"],
                "is_read": False,
            }
        )
    if status == "REJECTED":
        notes.append(
            {
                "user_id": home.manager,
                "kind": "approval_decided",
                "title": f"{turn.row['turn_id']} scope rejected",
                "body": f"Reason: {turn.row['reject_reason']}",
                "created_at": at["dfo"],
                "is_read": False,
            }
        )
    if stage >= PROGRESS:
        decided = at["ho" if status == "HO_APPROVED" else "dfo"]
        notes.append(
            {
                "user_id": home.manager,
                "kind": "approval_decided",
                "title": f"{turn.row['turn_id']} scope approved",
                "body": f"Approved amount: {amount}.",
                "created_at": decided,
                "is_read": stage == WALK,
            }
        )
        notes.append(
            {
                "user_id": home.senior,
                "kind": "stage_entered",
                "title": f"{turn.row['turn_id']} moved to {STAGE_NAMES[stage]}",
                "body": f"{turn.row['turn_id']} at {home.name} is now in {STAGE_NAMES[stage]}.",
                "created_at": turn.history[-1][1],
                "is_read": stage == PROGRESS,
            }
        )
    return notes
