"""A hand-made world for the report tests, and the same figures computed in plain Python.

Two managers' portfolios (p1, p2 managed by ``manager``; p3 by ``other``), two vendor
companies, five completed turns with fixed dates and amounts, five active turns aged
relative to today, and a written stage history for four turns. Each expected figure is
computed here from these literals, never by asking the database.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from tests.fixtures.factory import Factory, User

TODAY = date.today()
D = Decimal


@dataclass(frozen=True)
class Turn:
    home: str
    stage: int
    move_out: date | None
    completed: date | None = None
    expected: date | None = None
    amount: Decimal | None = None
    approved: Decimal | None = None
    change_order: Decimal | None = None
    vendor: str | None = None
    flooring: str | None = None
    approval: str = "PENDING"

    @property
    def final(self) -> Decimal | None:
        return None if self.amount is None else self.amount + (self.change_order or 0)


HOMES = {  # name: (manager, market, move-in date)
    "p1": ("manager", "Atlanta", date(2024, 3, 20)),
    "p2": ("manager", "Phoenix", None),
    "p3": ("other", "Atlanta", date(2024, 2, 25)),
}
VENDORS = {"v1": ("Alpha Make-Ready", D("4.50")), "v2": ("Beta Paint & Floor", D("3.00"))}
TURNS = {
    "t1": Turn("p1", 5, date(2024, 1, 2), date(2024, 1, 12), date(2024, 1, 15), D(2000), D(2000), D(300), "v1", "v2"),
    "t2": Turn("p1", 5, date(2024, 2, 1), date(2024, 2, 21), date(2024, 2, 15), D(3000), D(3200), None, "v1"),
    "t3": Turn("p2", 5, date(2024, 1, 10), date(2024, 2, 9), None, D(5000), None, D(500), "v2"),
    "t4": Turn("p3", 5, date(2024, 1, 20), date(2024, 2, 5), date(2024, 2, 5), D(4000), D(4000), D(1000), "v1"),
    "t5": Turn("p3", 5, None, date(2024, 3, 1), date(2024, 2, 20), D(1000), D(1000)),
    "a1": Turn("p1", 3, TODAY - timedelta(3), amount=D(2500), vendor="v1", approval="DFO_APPROVED"),
    "a2": Turn("p2", 2, TODAY - timedelta(10), approval="DFO_APPROVAL_NEEDED"),
    "a3": Turn("p3", 2, TODAY - timedelta(20), amount=D(3500), vendor="v2", approval="DFO_APPROVAL_NEEDED"),
    "a4": Turn("p3", 1, TODAY - timedelta(45)),
    "a5": Turn("p1", 1, None),
}
# Written stage history: (stage, hours until the next entry; None = still there), from a start.
HISTORY = {
    "t1": (datetime(2024, 1, 2, 12, tzinfo=UTC), [(1, 12), (2, 36), (3, 100), (4, 24), (5, None)]),
    "t4": (datetime(2024, 1, 20, 12, tzinfo=UTC), [(1, 2), (2, 10), (3, 50), (4, 8), (5, None)]),
    "a1": (datetime(2024, 5, 1, 12, tzinfo=UTC), [(1, 24), (2, 48), (3, None)]),
    "a2": (datetime(2024, 5, 10, 12, tzinfo=UTC), [(1, 6), (2, None)]),
}


@dataclass
class World:
    factory: Factory
    admin: User
    manager: User
    other: User
    vendor_user: User  # works for v1
    plain: User  # role USER
    ids: dict[str, UUID] = field(default_factory=dict)


def build(factory: Factory) -> World:
    vendors = {
        name: factory.vendor(company_name=company, average_rating=rating) for name, (company, rating) in VENDORS.items()
    }
    world = World(
        factory,
        admin=factory.user("ADMIN"),
        manager=factory.user("PROPERTY_MANAGER"),
        other=factory.user("PROPERTY_MANAGER"),
        vendor_user=factory.user("VENDOR", vendor_id=vendors["v1"]),
        plain=factory.user("USER"),
        ids=dict(vendors),
    )
    for name, (manager, market, move_in) in HOMES.items():
        world.ids[name] = factory.property(getattr(world, manager), market=market, move_in_date=move_in)
    for name, t in TURNS.items():
        world.ids[name] = factory.turn(
            world.ids[t.home],
            stage=t.stage,
            move_out_date=t.move_out,
            turn_completion_date=t.completed,
            expected_completion_date=t.expected,
            turn_amount=t.amount,
            approved_turn_amount=t.approved,
            change_order_amount=t.change_order,
            vendor_id=world.ids.get(t.vendor or ""),
            flooring_vendor_id=world.ids.get(t.flooring or ""),
            scope_approval_status=t.approval,
            is_active=t.completed is None,
        )
    _write_history(factory, world.ids)
    return world


def _write_history(factory: Factory, ids: dict[str, UUID]) -> None:
    """Replace the history the insert trigger wrote with HISTORY's, in one statement."""
    rows: list[tuple[UUID, int, datetime]] = []
    for name, (start, stays) in HISTORY.items():
        at = start
        for stage, hours in stays:
            rows.append((ids[name], stage, at))
            at += timedelta(hours=hours or 0)
    turn_ids, stages, times = (list(column) for column in zip(*rows, strict=True))
    factory.query(
        "WITH gone AS (DELETE FROM turn_stage_history WHERE turn_id = ANY(%s) RETURNING id)"
        " INSERT INTO turn_stage_history (turn_id, property_id, to_stage_id, changed_at)"
        " SELECT t.id, t.property_id, s.id, v.at"
        " FROM unnest(%s::uuid[], %s::int[], %s::timestamptz[]) AS v(turn, stage, at)"
        " JOIN turns t ON t.id = v.turn JOIN turn_stages s ON s.display_order = v.stage RETURNING id",
        ([ids[n] for n in HISTORY], turn_ids, stages, times),
    )


# Plain-Python versions of the figures ------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks (PostgreSQL's percentile_cont)."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * fraction
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def spread(values: Iterable[float]) -> dict[str, Any]:
    found = list(values)
    if not found:
        return {"count": 0, "median": None, "p90": None, "mean": None}
    return {
        "count": len(found),
        "median": round(percentile(found, 0.5), 2),
        "p90": round(percentile(found, 0.9), 2),
        "mean": round(statistics.fmean(found), 2),
    }


def money(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def amounts(values: Iterable[Decimal | None]) -> dict[str, Any]:
    found = [v for v in values if v is not None]
    total = sum(found, D(0))
    return {
        "count": len(found),
        "total": money(total) if found else None,
        "average": money(total / len(found)) if found else None,
    }


def month(day: date) -> str:
    return day.replace(day=1).isoformat()


def by_month(
    turns: dict[str, Turn], day: Callable[[Turn], date | None], figures: Callable[[list[Turn]], dict[str, Any]]
) -> list[dict[str, Any]]:
    months = sorted({month(d) for t in turns.values() if (d := day(t)) is not None})
    return [
        {"month": m, **figures([t for t in turns.values() if (d := day(t)) is not None and month(d) == m])}
        for m in months
    ]


def select(keep: Callable[[Turn], bool]) -> dict[str, Turn]:
    return {name: t for name, t in TURNS.items() if keep(t)}


def managed_by(manager: str) -> Callable[[Turn], bool]:
    return lambda t: HOMES[t.home][0] == manager
