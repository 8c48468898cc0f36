"""The week calendar: the visits of a Monday-to-Sunday week each role may see, with the home's
address, the vendor's name and the turn's schedule warning."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.api import refused
from tests.fixtures.factory import Factory
from tests.schedules.conftest import Cast, schedule, step


def _week(client: httpx.Client, cast: Cast, who: str, week: str = "2026-12-09") -> dict[str, Any]:
    response = client.get("/api/v1/calendar", headers=cast.h(who), params={"week": week})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _ids(calendar: dict[str, Any]) -> set[str]:
    return {item["id"] for item in calendar["items"]}


def test_each_role_sees_the_visits_of_its_week(client: httpx.Client, factory: Factory, cast: Cast) -> None:
    mine = schedule(client, cast).json()  # Tue 8 - Wed 9 Dec
    step(client, cast, "vendor", mine, "accept")
    next_week = schedule(client, cast, starts_on="2026-12-14", ends_on="2026-12-15").json()
    spanning = schedule(client, cast, starts_on="2026-12-03", ends_on="2026-12-07").json()  # ends on the Monday
    cancelled = schedule(client, cast).json()
    step(client, cast, "manager", cancelled, "cancel")
    # A turn of another manager's home, with another vendor.
    elsewhere_vendor = cast.users["other_vendor"].vendor_id
    home = factory.property(cast.users["other_manager"], street_address="9 Oak Ave")
    turn = factory.turn(home, vendor_id=elsewhere_vendor)
    theirs = factory.insert(
        "vendor_visits", turn_id=turn, vendor_id=elsewhere_vendor, starts_on="2026-12-11", ends_on="2026-12-12"
    )

    calendar = _week(client, cast, "manager")
    assert (calendar["week_start"], calendar["week_end"]) == ("2026-12-07", "2026-12-13")
    assert (calendar["previous_week"], calendar["next_week"]) == ("2026-11-30", "2026-12-14")
    assert [item["id"] for item in calendar["items"]] == [spanning["id"], mine["id"]]  # by first day
    item = calendar["items"][1]
    assert item["address"] == "12 Elm St, Atlanta, GA"
    assert (item["vendor_name"], item["status"], item["ready_date"]) == ("Acme Painting", "ACCEPTED", "2026-12-11")
    assert item["turn_id"] == str(cast.turn) and item["turn_code"].startswith("T-")
    assert item["schedule_warning"] is None

    assert _ids(_week(client, cast, "senior")) == {spanning["id"], mine["id"]}
    assert _ids(_week(client, cast, "vendor")) == {spanning["id"], mine["id"]}
    assert _ids(_week(client, cast, "other_manager")) == {str(theirs)}
    assert _ids(_week(client, cast, "other_vendor")) == {str(theirs)}
    assert _ids(_week(client, cast, "admin")) == {spanning["id"], mine["id"], str(theirs)}
    assert _ids(_week(client, cast, "dfo")) == {spanning["id"], mine["id"], str(theirs)}
    assert _ids(_week(client, cast, "vendor", "2026-12-20")) == {next_week["id"]}  # a Sunday: its Monday's week
    assert _ids(_week(client, cast, "vendor", "2026-11-30")) == {spanning["id"]}
    assert _week(client, cast, "vendor", "2027-03-01")["items"] == []

    # A vendor's counter shows in the week it proposes too, and an accepted visit that ends
    # after the ready date puts the warning on every visit of that turn.
    countered = step(client, cast, "vendor", next_week, "counter", starts_on="2026-12-10", ends_on="2026-12-16")
    assert _ids(_week(client, cast, "manager")) == {spanning["id"], mine["id"], next_week["id"]}
    step(client, cast, "manager", countered.json(), "confirm")
    warned = {item["id"]: item["schedule_warning"] for item in _week(client, cast, "vendor")["items"]}
    assert {key: (w or {}).get("visit_ids") for key, w in warned.items()} == {
        spanning["id"]: [next_week["id"]],
        mine["id"]: [next_week["id"]],
        next_week["id"]: [next_week["id"]],
    }
    assert warned[mine["id"]]["days_late"] == 5


def test_a_week_must_be_a_date(client: httpx.Client, cast: Cast) -> None:
    for week in ("2026-13-01", "next", "2026-02-30", ""):
        problem = refused(client.get("/api/v1/calendar", headers=cast.h("manager"), params={"week": week}), 422)
        assert problem.json()["errors"][0]["loc"] == ["query", "week"]
    assert client.get("/api/v1/calendar").status_code == 401
    today = client.get("/api/v1/calendar", headers=cast.h("vendor"))
    assert today.status_code == 200 and today.json()["items"] == []
