"""A turn's life in a real browser: starting one (from the board and from a property's page),
a home's second open turn refused, finding finished turns and reopening one with a reason,
and every refused stage move in words that lead to the fix. As a manager (who may) and a
vendor (who may not), on a desk and on a phone."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from playwright.sync_api import expect

from tests.fixtures.web import Person
from tests.web.helpers import ApiUser
from turns.seed.demo import Credential


def _vacant(api: ApiUser) -> dict[str, Any]:
    """A home of the user's with no open turn (in the demo, an occupied one)."""
    turned = {t["property_id"] for t in api.active_turns().values()}
    return next(p for p in api.items("/api/v1/properties") if p["id"] not in turned)


def _complete(admin: ApiUser, turn: dict[str, Any]) -> dict[str, Any]:
    """Carry an In Progress or Final Walk turn to Complete through the API, as people would:
    into the final walk, the walk recorded, then done."""
    path = f"/api/v1/turns/{turn['id']}"
    current: dict[str, Any] = admin.get(path)
    final_walk = admin.stage_id("Final Walk")
    if current["stage_id"] != final_walk:
        current = admin.send("POST", f"{path}/transition", {"to_stage_id": final_walk, "version": current["version"]})
    walk = {"final_walk_date": date.today().isoformat(), "final_walk_by": admin.get("/api/v1/auth/me")["id"]}
    current = admin.send("PATCH", path, walk | {"version": current["version"]})
    body = {"to_stage_id": admin.stage_id("Complete"), "version": current["version"]}
    assert admin.send("POST", f"{path}/transition", body)["is_active"] is False
    done: dict[str, Any] = admin.get(path)
    return done


def _at_work(api: ApiUser) -> list[dict[str, Any]]:
    """The user's turns In Progress or in the final walk, oldest first."""
    stages = {api.stage_id("In Progress"), api.stage_id("Final Walk")}
    return sorted((t for t in api.active_turns().values() if t["stage_id"] in stages), key=lambda t: t["turn_id"])


def test_a_manager_starts_a_turn_from_the_board_and_a_second_is_refused(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    home = _vacant(api)
    manager = sign_in(demo["PROPERTY_MANAGER"])
    page = manager.page
    page.get_by_role("button", name="New turn").click()
    page.get_by_role("searchbox", name="Property").fill(home["property_id"])
    page.get_by_role("button", name=home["name"]).click()
    page.get_by_label("Move-out date").fill("2026-11-20")
    page.get_by_label("Ready by").fill("2026-12-10")
    page.get_by_label("Notes (optional)").fill("Resident left keys at the office")
    manager.screenshot("new-turn")
    page.get_by_role("button", name="Start turn").click()

    # The new turn's page opens once it has synced.
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(home["name"])
    expect(page.locator(".timeline .note")).to_have_text("Resident left keys at the office")
    [created] = [t for t in api.active_turns().values() if t["property_id"] == home["id"]]
    assert (created["move_out_date"], created["expected_completion_date"]) == ("2026-11-20", "2026-12-10")

    # The same home again: refused in words, with the way to the open turn.
    page.goto("/#/board")
    page.get_by_role("button", name="New turn").click()
    page.get_by_role("searchbox", name="Property").fill(home["property_id"])
    page.get_by_role("button", name=home["name"]).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(f"already has an open turn, {created['turn_id']}")
    expect(page.get_by_role("button", name="Start turn")).to_be_disabled()
    alert.get_by_role("link", name=f"Open turn {created['turn_id']}").click()
    expect(page).to_have_url(f"{page.url.split('#')[0]}#/turns/{created['id']}")


def test_a_manager_starts_a_turn_from_a_property_page_on_a_phone(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    home = _vacant(api)
    turned = next(iter(api.active_turns().values()))
    manager = sign_in(demo["PROPERTY_MANAGER"], phone=True)
    page = manager.page

    # A home with an open turn leads to it, with its utilities as words, not codes.
    page.goto(f"/#/properties/{turned['property_id']}")
    expect(page.get_by_role("link", name=f"Turn {turned['turn_id']}")).to_be_visible()
    utilities = page.locator("section", has=page.get_by_role("heading", name="Utilities"))
    expect(utilities).not_to_contain_text("YES")
    expect(utilities).not_to_contain_text("PENDING")
    expect(page.get_by_role("button", name="Start a turn")).to_have_count(0)

    page.goto("/#/properties")
    page.get_by_role("link", name=home["name"], exact=True).click()
    expect(page.get_by_role("heading", name=home["name"], level=1)).to_be_visible()
    expect(page.get_by_text("No turn is open on this home.")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    manager.screenshot("property-phone")
    page.get_by_role("button", name="Start a turn").click()
    page.get_by_label("Ready by").fill("2026-12-24")
    page.get_by_role("button", name="Start turn").click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    [created] = [t for t in api.active_turns().values() if t["property_id"] == home["id"]]
    assert created["expected_completion_date"] == "2026-12-24"
    assert created["move_out_date"] == date.today().isoformat()


def test_a_manager_finds_a_completed_turn_and_reopens_it_with_a_reason(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api, admin = api_as(demo["PROPERTY_MANAGER"]), api_as(demo["ADMIN"])
    final_walk = api.stage_id("Final Walk")
    walked = _at_work(api)
    done, other = _complete(admin, walked[0]), _complete(admin, walked[1])
    home = api.get(f"/api/v1/properties/{done['property_id']}")
    vendor = api.get(f"/api/v1/vendors/{walked[0]['vendor_id']}")["company_name"]
    manager = sign_in(demo["PROPERTY_MANAGER"])
    page = manager.page

    # The board's Complete column keeps the turns finished in the last 14 days.
    expect(manager.in_column("Complete", done["turn_id"])).to_be_visible()
    page.get_by_role("link", name="All completed turns").click()
    expect(page.get_by_role("heading", name="Completed turns")).to_be_visible()
    rows = page.locator(".data-table tbody tr")
    finished = [t for t in api.items("/api/v1/turns") if not t["is_active"]]
    expect(rows).to_have_count(len(finished))
    at_home = [t for t in finished if t["property_id"] == home["id"]]
    page.get_by_role("searchbox", name="Search").fill(done["turn_id"])
    expect(rows.filter(has_text=done["turn_id"])).to_contain_text(vendor)
    assert rows.count() < len(finished)
    page.get_by_role("button", name="Clear filters").click()
    page.get_by_role("combobox", name=re.compile("^Vendor")).select_option(label=vendor)
    expect(rows.filter(has_text=done["turn_id"])).to_have_count(1)
    page.get_by_role("button", name="Clear filters").click()
    page.get_by_label("Completed from").fill("2020-01-01")
    page.get_by_label("to", exact=True).fill("2020-12-31")
    expect(page.get_by_text("No completed turn matches these filters.")).to_be_visible()
    page.get_by_role("button", name="Clear filters").first.click()
    page.get_by_role("combobox", name=re.compile("^Property")).select_option(label=home["name"])
    expect(rows).to_have_count(len(at_home))
    manager.screenshot("completed")

    rows.filter(has_text=done["turn_id"]).get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Completed \w+ \d+, \d{4}$"))).to_be_visible()
    page.get_by_label("Reason for reopening").fill("Leak found under the kitchen sink")
    page.get_by_role("button", name="Reopen turn").click()
    expect(page.get_by_role("button", name="Reopen turn")).to_have_count(0)
    expect(page.locator(".timeline .note").first).to_have_text("Reopened: Leak found under the kitchen sink")
    stored = api.get(f"/api/v1/turns/{done['id']}")
    assert (stored["is_active"], stored["stage_id"], stored["turn_completion_date"]) == (True, final_walk, None)
    [audit] = [
        row
        for row in api.get("/api/v1/audit", table_name="turns", record_id=done["id"], action="UPDATE")["items"]
        if row["context"] and row["context"].startswith("reopen")
    ]
    assert audit["context"] == "reopen: Leak found under the kitchen sink"
    assert audit["user_id"] == api.get("/api/v1/auth/me")["id"]
    assert api.get(f"/api/v1/turns/{other['id']}")["is_active"] is False


def test_a_vendor_may_neither_start_nor_reopen_a_turn(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    vendor_api, admin = api_as(demo["VENDOR"]), api_as(demo["ADMIN"])
    mine = _at_work(vendor_api)[0]
    done = _complete(admin, admin.get(f"/api/v1/turns/{mine['id']}"))
    vendor = sign_in(demo["VENDOR"], phone=True)
    page = vendor.page
    expect(page.get_by_role("button", name="New turn")).to_have_count(0)
    page.get_by_role("link", name="Completed", exact=True).click()
    rows = page.locator(".data-table tbody tr")
    expect(rows).to_have_count(len([t for t in vendor_api.items("/api/v1/turns") if not t["is_active"]]))
    vendor.screenshot("completed-vendor-phone")
    rows.filter(has_text=done["turn_id"]).get_by_role("link").click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(page.get_by_text("This turn is off the board.")).to_be_visible()
    expect(page.get_by_label("Reason for reopening")).to_have_count(0)
    expect(page.get_by_role("button", name="Reopen turn")).to_have_count(0)

    # The API refuses them too.
    home = vendor_api.get("/api/v1/properties")["items"][0]["id"]
    created = vendor_api.http.post("/api/v1/turns", json={"property_id": home})
    assert created.status_code == 403, created.text
    body = {"version": done["version"], "reason": "I want it back"}
    reopened = vendor_api.http.post(f"/api/v1/turns/{done['id']}/reopen", json=body)
    assert reopened.status_code == 403, reopened.text
    assert admin.get(f"/api/v1/turns/{done['id']}")["is_active"] is False


def test_a_refused_move_says_what_to_fix_leads_there_and_goes_when_fixed(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    draft = api.stage_id("Draft")
    turn = next(t for t in api.active_turns().values() if t["stage_id"] == draft and not t["turn_amount"])
    manager = sign_in(demo["PROPERTY_MANAGER"], phone=True)
    card = manager.card(turn["turn_id"])
    card.get_by_label(f"Move {turn['turn_id']} to another stage").select_option("Scope Approval")

    alert = card.get_by_role("alert")
    expect(alert).to_contain_text("Enter the turn amount before the turn moves on.")
    expect(alert).not_to_contain_text("turn_amount")
    card.scroll_into_view_if_needed()
    manager.screenshot("refusal-phone")
    alert.get_by_role("link", name="Enter the amount").click()
    amount = manager.page.get_by_label("Turn amount")
    expect(amount).to_be_focused()
    banner = manager.page.locator(".panel", has_text="Stage and approval").get_by_role("alert")
    expect(banner).to_contain_text("Enter the turn amount")

    amount.fill("2400")
    manager.page.get_by_role("button", name="Save cost").click()
    expect(banner).to_have_count(0)  # at once, from the optimistic copy; the server follows
    deadline = time.monotonic() + 10
    while api.get(f"/api/v1/turns/{turn['id']}")["turn_amount"] != "2400.00" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert api.get(f"/api/v1/turns/{turn['id']}")["turn_amount"] == "2400.00"
