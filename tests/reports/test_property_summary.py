"""property-summary (the materialized view as each caller may see it) and its refresh job."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx

from tests.reports.data import HOMES, TODAY, TURNS, World, money
from tests.reports.helpers import Report, ok, refused

REFRESH = "/api/v1/reports/property-summary/refresh"


def _expected(world: World, homes: list[str]) -> dict[str, dict[str, Any]]:
    rows = {}
    for home in homes:
        turns = [t for t in TURNS.values() if t.home == home]
        costs = [t.amount for t in turns if t.amount is not None]
        rows[str(world.ids[home])] = {
            "total_turns": len(turns),
            "active_turns": sum(1 for t in turns if t.completed is None),
            "avg_turn_cost": money(sum(costs, Decimal(0)) / len(costs)) if costs else None,
        }
    return rows


def _rows(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        r["id"]: {
            "total_turns": r["total_turns"],
            "active_turns": r["active_turns"],
            "avg_turn_cost": r["avg_turn_cost"] and Decimal(r["avg_turn_cost"]),
        }
        for r in body["items"]
    }


def test_summary_rows_follow_visibility_and_filters(world: World, report: Report) -> None:
    world.factory.query("SELECT refresh_property_summary(false)")
    everything = ok(report(world.admin, "property-summary"))
    assert _rows(everything) == _expected(world, list(HOMES))
    assert everything["refreshed_at"] is not None and everything["refresh_pending"] is False
    assert all(r["last_turn_date"] is not None for r in everything["items"])
    mine = ok(report(world.manager, "property-summary"))
    assert _rows(mine) == _expected(world, ["p1", "p2"])
    assert _rows(ok(report(world.admin, "property-summary", market="Atlanta"))) == _expected(world, ["p1", "p3"])
    by_vendor = ok(report(world.admin, "property-summary", vendor_id=str(world.ids["v1"])))
    assert _rows(by_vendor) == _expected(world, ["p1", "p3"])
    by_manager = ok(report(world.admin, "property-summary", manager_id=str(world.other.id)))
    assert _rows(by_manager) == _expected(world, ["p3"])
    # The period applies to the day of the newest turn: all were opened today.
    around_today = {"from": (TODAY - timedelta(days=1)).isoformat(), "to": (TODAY + timedelta(days=1)).isoformat()}
    assert len(ok(report(world.admin, "property-summary", **around_today))["items"]) == 3
    assert ok(report(world.admin, "property-summary", to="2024-01-01"))["items"] == []
    # Pages: two, then the last one.
    first = ok(report(world.admin, "property-summary", limit=2, sort="-total_turns"))
    second = ok(report(world.admin, "property-summary", limit=2, sort="-total_turns", cursor=first["next_cursor"]))
    assert [len(first["items"]), len(second["items"]), second["next_cursor"]] == [2, 1, None]
    assert {r["id"] for r in first["items"] + second["items"]} == {str(world.ids[h]) for h in HOMES}
    assert [r["total_turns"] for r in first["items"] + second["items"]] == [4, 4, 2]


def _jobs(world: World) -> list[tuple[Any, ...]]:
    return world.factory.query("SELECT id, task_name, status::text FROM jobs.procrastinate_jobs ORDER BY id")


def test_refresh_is_queued_once_and_by_admins_only(client: httpx.Client, world: World, report: Report) -> None:
    refused(client.post(REFRESH, headers=report.headers(world.manager)), 403)
    assert _jobs(world) == []
    admin = report.headers(world.admin)
    queued = client.post(REFRESH, headers=admin)
    assert queued.status_code == 202, queued.text
    job_id = queued.json()["job_id"]
    assert queued.json() == {"job_id": job_id, "already_queued": False}
    assert _jobs(world) == [(job_id, "reporting.refresh_property_summary", "todo")]
    again = client.post(REFRESH, headers=admin)
    assert (again.status_code, again.json()) == (202, {"job_id": job_id, "already_queued": True})
    assert _jobs(world) == [(job_id, "reporting.refresh_property_summary", "todo")]
    assert ok(report(world.admin, "property-summary"))["refresh_pending"] is True
