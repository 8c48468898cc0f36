"""turn-time, days-vacant and on-time, against figures computed from the literals in data.py."""

from typing import Any

from tests.reports.data import HOMES, TURNS, Turn, World, by_month, managed_by, select, spread
from tests.reports.helpers import Report, ok

IN_2024 = {"from": "2024-01-01", "to": "2024-12-31"}


def _turn_days(turns: list[Turn]) -> dict[str, Any]:
    return spread((t.completed - t.move_out).days for t in turns if t.completed and t.move_out)


def _turn_time(turns: dict[str, Turn]) -> dict[str, Any]:
    measured = {n: t for n, t in turns.items() if t.completed and t.move_out}
    return {
        "overall": _turn_days(list(measured.values())),
        "by_month": by_month(measured, lambda t: t.completed, _turn_days),
    }


def test_turn_time_for_admin_manager_and_filters(world: World, report: Report) -> None:
    assert ok(report(world.admin, "turn-time")) == _turn_time(TURNS)
    assert ok(report(world.manager, "turn-time")) == _turn_time(select(managed_by("manager")))
    phoenix = ok(report(world.admin, "turn-time", market="Phoenix"))
    assert phoenix == _turn_time(select(lambda t: HOMES[t.home][1] == "Phoenix"))
    assert phoenix["overall"]["count"] == 1
    assert ok(report(world.admin, "turn-time", property_id=str(world.ids["p3"]))) == _turn_time(
        select(lambda t: t.home == "p3")
    )
    assert ok(report(world.admin, "turn-time", manager_id=str(world.other.id))) == _turn_time(
        select(managed_by("other"))
    )
    # A vendor filter matches the turn's vendor or its flooring vendor (t1 has v2 for flooring).
    v2 = ok(report(world.admin, "turn-time", vendor_id=str(world.ids["v2"])))
    assert v2 == _turn_time(select(lambda t: "v2" in (t.vendor, t.flooring)))
    assert v2["overall"]["count"] == 2
    # The period applies to the completion date.
    february = ok(report(world.admin, "turn-time", **{"from": "2024-02-01", "to": "2024-02-29"}))
    assert february == _turn_time(select(lambda t: t.completed is not None and t.completed.month == 2))
    assert [m["month"] for m in february["by_month"]] == ["2024-02-01"]


def _vacancy(turns: list[Turn]) -> dict[str, Any]:
    def next_move_in(t: Turn) -> int | None:
        move_in = HOMES[t.home][2]
        if move_in is None or t.move_out is None or move_in < t.move_out:
            return None
        later = [o for o in TURNS.values() if o.home == t.home and o.move_out and t.move_out < o.move_out <= move_in]
        return None if later else (move_in - t.move_out).days

    known = [d for t in turns if (d := next_move_in(t)) is not None]
    return {**spread(known), "move_outs": sum(1 for t in turns if t.move_out)}


def _days_vacant(turns: dict[str, Turn]) -> dict[str, Any]:
    moved_out = {n: t for n, t in turns.items() if t.move_out}
    return {
        "overall": _vacancy(list(moved_out.values())),
        "by_month": by_month(moved_out, lambda t: t.move_out, _vacancy),
    }


def _in_2024(turns: dict[str, Turn], day: str) -> dict[str, Turn]:
    return {n: t for n, t in turns.items() if (d := getattr(t, day)) is not None and d.year == 2024}


def test_days_vacant_runs_to_the_next_move_in(world: World, report: Report) -> None:
    everything = ok(report(world.admin, "days-vacant"))
    assert everything == _days_vacant(TURNS)
    # t2 (48 days to p1's move-in) and t4 (36 to p3's) are known; t1's move-in belongs to t2.
    assert (everything["overall"]["count"], everything["overall"]["median"]) == (2, 42)
    assert ok(report(world.admin, "days-vacant", **IN_2024)) == _days_vacant(_in_2024(TURNS, "move_out"))
    mine = ok(report(world.manager, "days-vacant", **IN_2024))
    assert mine == _days_vacant(_in_2024(select(managed_by("manager")), "move_out"))


def _punctuality(turns: list[Turn]) -> dict[str, Any]:
    with_expected = [t for t in turns if t.completed and t.expected]
    on_time = sum(1 for t in with_expected if t.completed and t.expected and t.completed <= t.expected)
    rate = round(on_time / len(with_expected), 4) if with_expected else None
    return {
        "completed": len(turns),
        "with_expected_date": len(with_expected),
        "on_time": on_time,
        "on_time_rate": rate,
    }


def _on_time(turns: dict[str, Turn]) -> dict[str, Any]:
    done = {n: t for n, t in turns.items() if t.completed}
    return {
        "overall": _punctuality(list(done.values())),
        "by_month": by_month(done, lambda t: t.completed, _punctuality),
    }


def test_on_time_share_overall_and_by_month(world: World, report: Report) -> None:
    everything = ok(report(world.admin, "on-time"))
    assert everything == _on_time(TURNS)
    assert everything["overall"] == {"completed": 5, "with_expected_date": 4, "on_time": 2, "on_time_rate": 0.5}
    assert ok(report(world.manager, "on-time")) == _on_time(select(managed_by("manager")))
    atlanta = ok(report(world.admin, "on-time", market="Atlanta", to="2024-02-29"))
    assert atlanta == _on_time(
        select(lambda t: HOMES[t.home][1] == "Atlanta" and t.completed is not None and t.completed.month <= 2)
    )
