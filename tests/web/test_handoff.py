"""The end of a turn in a real browser: a manager moves the ready date with a reason, sees its
history and sends the finished turn to leasing; a vendor is offered neither."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from playwright.sync_api import expect

from tests.fixtures.web import Person
from tests.web.helpers import ApiUser
from turns.seed.demo import Credential


def test_a_manager_moves_the_ready_date_and_sends_the_turn_to_leasing(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    final_walk = api.stage_id("Final Walk")
    turn = sorted(
        (t for t in api.active_turns().values() if t["stage_id"] == final_walk and not t["sent_to_leasing_at"]),
        key=lambda t: t["turn_id"],
    )[0]
    ready = date.fromisoformat(turn["expected_completion_date"]) + timedelta(days=5)
    manager = sign_in(demo["PROPERTY_MANAGER"])
    errors: list[str] = []
    manager.page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    manager.open_turn(turn["turn_id"])
    page = manager.page
    dates = page.get_by_role("region", name="Ready and move-in dates")

    dates.get_by_text("Change the dates").click()
    dates.get_by_label("Ready date").fill(ready.isoformat())
    save = dates.get_by_role("button", name="Save the new dates")
    # A ready date already promised to leasing changes only with a reason.
    expect(save).to_be_disabled()
    dates.get_by_label("Reason").fill("Flooring on backorder")
    save.click()

    entry = dates.get_by_role("list", name="Date history").locator("li").first
    expect(entry).to_contain_text("Flooring on backorder")
    expect(entry).to_contain_text("Ready date")
    [change] = api.get(f"/api/v1/turns/{turn['id']}/date-history")
    assert (change["field"], change["old_value"], change["new_value"], change["reason"]) == (
        "expected_completion_date",
        turn["expected_completion_date"],
        ready.isoformat(),
        "Flooring on backorder",
    )
    assert change["changed_by"] == api.get("/api/v1/auth/me")["id"]
    manager.screenshot("turn-dates")

    leasing = page.get_by_role("region", name="Leasing")
    leasing.get_by_role("button", name="Send to leasing").click()
    leasing.get_by_role("button", name="Yes, send to leasing").click()
    expect(leasing).to_contain_text("Sent to leasing")
    # The page shows it at once; the write reaches the server from the outbox.
    stored = _when_sent(api, turn["id"])
    assert stored["sent_to_leasing_by"] == api.get("/api/v1/auth/me")["id"]
    assert stored["sent_to_leasing_date"] == date.today().isoformat()
    assert stored["expected_completion_date"] == ready.isoformat()
    expect(leasing.get_by_role("button", name="Send to leasing")).to_have_count(0)
    assert errors == []
    leasing.scroll_into_view_if_needed()
    manager.screenshot("turn-handoff")

    # On a phone the same controls fit the screen.
    phone = sign_in(demo["PROPERTY_MANAGER"], phone=True)
    phone.open_turn(turn["turn_id"])
    expect(phone.page.get_by_role("region", name="Leasing")).to_contain_text("Sent to leasing")
    expect(phone.page.get_by_role("list", name="Date history").locator("li").first).to_contain_text("backorder")
    assert phone.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.page.get_by_role("region", name="Ready and move-in dates").scroll_into_view_if_needed()
    phone.screenshot("turn-dates-phone")


def _when_sent(api: ApiUser, turn_id: str) -> dict[str, Any]:
    """The turn once the server has it sent to leasing (the outbox writes in the background)."""
    deadline = time.monotonic() + 10
    while True:
        stored: dict[str, Any] = api.get(f"/api/v1/turns/{turn_id}")
        if stored["sent_to_leasing_by"] or time.monotonic() > deadline:
            return stored
        time.sleep(0.2)


def test_a_vendor_sees_the_dates_but_no_controls_to_change_them(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["VENDOR"])
    company = api.get("/api/v1/auth/me")["vendor_id"]
    final_walk = api.stage_id("Final Walk")
    mine = sorted((t for t in api.active_turns().values() if t["vendor_id"] == company), key=lambda t: t["turn_id"])
    turn = next((t for t in mine if t["stage_id"] == final_walk), mine[0])
    vendor = sign_in(demo["VENDOR"], phone=True)
    vendor.open_turn(turn["turn_id"])
    page = vendor.page
    dates = page.get_by_role("region", name="Ready and move-in dates")
    expect(dates).to_contain_text("Ready date")
    expect(page.get_by_text("Change the dates")).to_have_count(0)
    expect(page.get_by_role("button", name="Send to leasing")).to_have_count(0)
    expect(dates.get_by_role("button")).to_have_count(0)
    expect(dates).not_to_contain_text("Move-in date")
