"""cost and vendors, against figures computed from the literals in data.py."""

from decimal import Decimal
from typing import Any

from tests.reports.data import TURNS, VENDORS, Turn, World, amounts, by_month, managed_by, money, select
from tests.reports.helpers import Report, ok


def _decimals(value: Any) -> Any:
    """The response with money strings as Decimals, so 2550 equals "2550.00"."""
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    if isinstance(value, str) and value.replace(".", "", 1).lstrip("-").isdigit():
        return Decimal(value)
    return value


def _cost(turns: list[Turn]) -> dict[str, Any]:
    variance = [t.final - t.approved for t in turns if t.final is not None and t.approved is not None]
    return {
        "turns": len(turns),
        "quoted": amounts(t.amount for t in turns),
        "approved": amounts(t.approved for t in turns),
        "change_orders": amounts(t.change_order for t in turns),
        "final": amounts(t.final for t in turns),
        "variance": {**amounts(variance), "over_approved": sum(1 for v in variance if v > 0)},
    }


def _cost_report(turns: dict[str, Turn]) -> dict[str, Any]:
    done = {n: t for n, t in turns.items() if t.completed}
    return {"overall": _cost(list(done.values())), "by_month": by_month(done, lambda t: t.completed, _cost)}


def test_cost_of_completed_turns(world: World, report: Report) -> None:
    everything = _decimals(ok(report(world.admin, "cost")))
    assert everything == _cost_report(TURNS)
    # final = quote + change orders; t1 +300, t2 -200, t4 +1000, t5 0 against what was approved
    assert everything["overall"]["variance"] == {"count": 4, "total": 1100, "average": 275, "over_approved": 2}
    assert _decimals(ok(report(world.manager, "cost"))) == _cost_report(select(managed_by("manager")))
    january = _decimals(ok(report(world.admin, "cost", to="2024-01-31")))
    assert january == _cost_report(select(lambda t: t.completed is not None and t.completed.month == 1))


# No bids or visits in this world (test_vendor_work.py has them): counts of zero, no rates or amounts.
NO_SCOPE_WORK: dict[str, Any] = {
    **dict.fromkeys(("bids_requested", "bids_quoted", "bids_declined", "bids_unanswered", "bids_awaiting"), 0),
    **dict.fromkeys(("bids_awarded", "visits_scheduled", "visits_done", "visits_measured", "visits_on_time"), 0),
    **dict.fromkeys(("win_rate", "awarded_quotes", "awarded_actual", "actual_over_quote", "actual_minus_quote"), None),
    "visit_on_time_rate": None,
    "average_days_late": None,
}


def _scorecard(world: World, vendor: str, turns: dict[str, Turn]) -> dict[str, Any]:
    jobs = [t for t in turns.values() if t.vendor == vendor]
    done = [t for t in jobs if t.completed]
    with_expected = [t for t in done if t.expected]
    on_time = sum(1 for t in with_expected if t.completed and t.expected and t.completed <= t.expected)
    finals = [t.final for t in done if t.final is not None]
    return {
        "vendor_id": str(world.ids[vendor]),
        "company_name": VENDORS[vendor][0],
        "jobs": len(jobs),
        "active": sum(1 for t in jobs if t.completed is None),
        "completed": len(done),
        "on_time": on_time,
        "with_expected_date": len(with_expected),
        "on_time_rate": round(on_time / len(with_expected), 4) if with_expected else None,
        "average_cost": money(sum(finals, Decimal(0)) / len(finals)) if finals else None,
        "rating": VENDORS[vendor][1],
        "rework": None,
        **NO_SCOPE_WORK,
    }


def _scorecards(world: World, turns: dict[str, Turn]) -> list[dict[str, Any]]:
    return [_scorecard(world, v, turns) for v in sorted(VENDORS)]  # v1's name sorts first


def test_vendor_scorecards(world: World, report: Report) -> None:
    cards = _decimals(ok(report(world.admin, "vendors")))["vendors"]
    expected = _scorecards(world, TURNS)
    assert cards == expected
    assert [c["jobs"] for c in cards] == [4, 2]  # v2's flooring job on t1 is not scored
    mine = _decimals(ok(report(world.manager, "vendors")))["vendors"]
    assert mine == _scorecards(world, select(managed_by("manager")))
    assert [c["jobs"] for c in mine] == [3, 1]
    one = _decimals(ok(report(world.admin, "vendors", vendor_id=str(world.ids["v2"]))))["vendors"]
    assert one == [_scorecard(world, "v2", TURNS)]
    recent = _decimals(ok(report(world.admin, "vendors", **{"from": "2024-06-01"})))["vendors"]
    assert [(c["company_name"], c["jobs"]) for c in recent] == [(c["company_name"], 1) for c in expected]
