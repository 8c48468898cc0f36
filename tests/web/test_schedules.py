"""Vendor visits in a real browser: a manager at a desk schedules the turn's vendor, the vendor
on a phone proposes other dates, the manager accepts them; the turn warns that the work now
ends after the ready date, and both find the visit on their week calendar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.fixtures.web import Person
from tests.web.helpers import ApiUser
from turns.seed.demo import Credential


def test_a_vendor_counters_the_manager_accepts_and_both_see_the_week(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    vendor_api = api_as(demo["VENDOR"])
    company = vendor_api.get("/api/v1/auth/me")["vendor_id"]
    manager_api = api_as(demo["PROPERTY_MANAGER"])
    turn = next(
        t
        for t in sorted(manager_api.active_turns().values(), key=lambda t: t["turn_id"])
        if t["vendor_id"] == company and t["expected_completion_date"]
    )
    ready = date.fromisoformat(turn["expected_completion_date"])
    # Our visit comes after the demo's own visit of the turn (on site until the day after tomorrow).
    base = max(ready, date.today() + timedelta(days=3))
    late = (base + timedelta(days=1) - ready).days
    home = manager_api.get(f"/api/v1/properties/{turn['property_id']}")
    vendor_name = manager_api.get(f"/api/v1/vendors/{company}")["company_name"]

    manager = sign_in(demo["PROPERTY_MANAGER"])
    manager.open_turn(turn["turn_id"])
    visits = manager.page.locator("section.visits")
    form = visits.get_by_role("group", name="Schedule a vendor")
    form.get_by_label("Vendor").select_option(label=vendor_name)
    form.get_by_label("First day").fill((base - timedelta(days=3)).isoformat())
    form.get_by_label("Last day").fill((base - timedelta(days=2)).isoformat())
    form.get_by_label("Note for the other side (optional)").fill("Keys in the lock box")
    form.get_by_role("button", name="Schedule").click()
    ours = visits.locator(".visit").filter(has_text="Keys in the lock box")
    expect(ours).to_contain_text("Proposed, waiting for the vendor")

    vendor = sign_in(demo["VENDOR"], phone=True)
    vendor.page.goto(f"/#/turns/{turn['id']}")
    mine = vendor.page.locator("section.visits")
    theirs = mine.locator(".visit").filter(has_text="Note: Keys in the lock box")
    theirs.get_by_role("button", name="Propose other dates").click()
    answer = mine.get_by_role("group", name="Propose other dates")
    answer.get_by_label("First day").fill((base - timedelta(days=1)).isoformat())
    answer.get_by_label("Last day").fill((base + timedelta(days=1)).isoformat())
    answer.get_by_role("button", name="Send").click()
    expect(theirs).to_contain_text("Vendor proposes another window")

    # The manager's page follows the answer live, and accepts the vendor's dates.
    expect(ours).to_contain_text("Vendor proposes another window")
    ours.get_by_role("button", name="Accept the new dates").click()
    expect(ours).to_contain_text("Accepted")
    warning = visits.get_by_role("alert")
    expect(warning).to_contain_text(f"{late} day{'' if late == 1 else 's'} after the ready date")
    expect(mine.get_by_role("alert")).to_contain_text("Not ready on time")
    told = manager_api.items("/api/v1/notifications")
    assert any("proposes" in n["title"] and n["turn_id"] == turn["id"] for n in told)

    # Both find the visit in its week, with the address, the vendor and the warning.
    week = (base + timedelta(days=1)).isoformat()
    manager.page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    expect(manager.page.get_by_role("heading", level=1, name="Calendar")).to_be_visible()
    manager.page.goto(f"/#/calendar/{week}")
    day = manager.page.get_by_role("region", name=_day_name(base))
    entry = day.get_by_role("link").filter(has_text=home["street_address"])  # the demo's visit ended before
    expect(entry).to_contain_text(vendor_name)
    expect(entry).to_contain_text("Ends after the ready date")
    manager.page.get_by_role("button", name="Next week").click()
    manager.page.get_by_role("button", name="Previous week").click()
    expect(entry).to_be_visible()
    assert manager.page.locator(".week .day").count() == 7
    manager.screenshot("calendar")

    vendor.page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    expect(vendor.page.get_by_role("heading", level=1, name="Your jobs")).to_be_visible()
    vendor.page.goto(f"/#/calendar/{week}")
    job = (
        vendor.page.get_by_role("region", name=_day_name(base))
        .get_by_role("link")
        .filter(has_text=home["street_address"])
    )
    expect(job).to_contain_text("Accepted")
    job.scroll_into_view_if_needed()
    vendor.screenshot("calendar-vendor-phone")
    job.click()
    expect(vendor.page.locator("section.visits")).to_be_visible()


def _day_name(day: date) -> str:
    """The day as the calendar names its region: "Friday, Dec 11"."""
    return f"{day:%A}, {day:%b} {day.day}"
