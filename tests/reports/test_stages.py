"""stage-dwell and pipeline, against figures computed from the literals in data.py."""

from datetime import date, timedelta
from typing import Any

from tests.reports.data import HISTORY, TODAY, TURNS, Turn, World, managed_by, select, spread
from tests.reports.helpers import Report, ok

STAGES = ["Draft", "Scope Approval", "In Progress", "Final Walk", "Complete"]


def _dwell(turns: dict[str, Turn], since: date | None = None) -> list[dict[str, Any]]:
    hours: dict[int, list[float]] = {n: [] for n in range(1, 6)}
    for name, (start, stays) in HISTORY.items():
        if name in turns and (since is None or start.date() >= since):
            for stage, spent in stays:
                if spent is not None:
                    hours[stage].append(spent)
    rows = []
    for order, name in enumerate(STAGES, start=1):
        figures = spread(hours[order])
        rows.append(
            {
                "stage": name,
                "display_order": order,
                "stays": figures["count"],
                "median_hours": figures["median"],
                "p90_hours": figures["p90"],
                "mean_hours": figures["mean"],
                "waiting": sum(1 for t in turns.values() if t.completed is None and t.stage == order),
            }
        )
    return rows


def _without_ids(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in s.items() if k != "stage_id"} for s in body["stages"]]


def test_stage_dwell_from_the_history(world: World, report: Report) -> None:
    everything = _without_ids(ok(report(world.admin, "stage-dwell")))
    assert everything == _dwell(TURNS)
    assert everything[0]["median_hours"] == 9  # Draft: 12, 2, 24 and 6 hours
    mine = _without_ids(ok(report(world.manager, "stage-dwell")))
    assert mine == _dwell(select(managed_by("manager")))
    # The period applies to the day a stay began; waiting is a count of now.
    may = _without_ids(ok(report(world.admin, "stage-dwell", **{"from": "2024-05-01", "to": "2024-05-31"})))
    assert may == _dwell(TURNS, since=date(2024, 5, 1))
    # No turn in the filter: every stage is listed, with nothing in it.
    empty = _without_ids(ok(report(world.admin, "stage-dwell", market="Nowhere")))
    assert [(s["stays"], s["waiting"], s["median_hours"]) for s in empty] == [(0, 0, None)] * 5


def _bucket(t: Turn) -> str:
    if t.move_out is None:
        return "no_move_out"
    age = (TODAY - t.move_out).days
    return "days_0_7" if age <= 7 else "days_8_14" if age <= 14 else "days_15_30" if age <= 30 else "days_over_30"


def _ageing(turns: list[Turn]) -> dict[str, int]:
    counts = dict.fromkeys(("days_0_7", "days_8_14", "days_15_30", "days_over_30", "no_move_out"), 0)
    for t in turns:
        counts[_bucket(t)] += 1
    return {"total": len(turns), **counts}


def _pipeline(turns: dict[str, Turn]) -> dict[str, Any]:
    active = [t for t in turns.values() if t.completed is None]
    statuses = ["PENDING", "DFO_APPROVAL_NEEDED", "DFO_APPROVED"]  # the enum's order
    return {
        "overall": _ageing(active),
        "by_stage": [
            {"stage": STAGES[n - 1], "display_order": n, **_ageing([t for t in active if t.stage == n])}
            for n in sorted({t.stage for t in active})
        ],
        "by_approval_status": [
            {"approval_status": s, **_ageing([t for t in active if t.approval == s])}
            for s in statuses
            if any(t.approval == s for t in active)
        ],
    }


def test_pipeline_ages_active_turns_since_move_out(world: World, report: Report) -> None:
    for user, turns in ((world.admin, TURNS), (world.manager, select(managed_by("manager")))):
        body = ok(report(user, "pipeline"))
        for row in body["by_stage"]:
            row.pop("stage_id")
        assert body == _pipeline(turns)
    by_vendor = ok(report(world.admin, "pipeline", vendor_id=str(world.ids["v1"])))
    assert by_vendor["overall"] == _ageing([TURNS["a1"]])
    # The period applies to the move-out date: a5 has none, the others moved out within 60 days.
    recent = ok(report(world.admin, "pipeline", **{"from": (TODAY - timedelta(days=60)).isoformat()}))
    assert recent["overall"] == _ageing([t for t in TURNS.values() if t.completed is None and t.move_out])
