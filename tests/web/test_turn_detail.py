"""The turn detail page in a real browser: editing as the role may, the lock box, a vendor on a phone."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.fixtures.web import Person
from tests.web.helpers import ApiUser
from turns.seed.demo import Credential


def _first_turn(api: ApiUser) -> dict[str, Any]:
    return sorted(api.active_turns().values(), key=lambda t: t["turn_id"])[0]


def test_a_manager_edits_a_field_and_it_is_audited(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    turn = _first_turn(api)
    manager = sign_in(demo["PROPERTY_MANAGER"])
    errors: list[str] = []
    manager.page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    manager.open_turn(turn["turn_id"])
    page = manager.page
    expect(page.get_by_label("WO number")).to_have_value(turn["wo_number"])
    # The demo's rows read as loaded, not as made by the system user.
    expect(page.locator(".audit li", has_text="Created the turn")).to_contain_text("Loaded demo data")

    page.get_by_label("WO number").fill("WO-EDITED-7")
    page.get_by_role("button", name="Save work order").click()

    # The audit trail on the page is read again once the synced turn has the new version.
    change = page.locator(".audit li", has_text="WO number from")
    expect(change.first).to_contain_text(f"WO number from {turn['wo_number']} to WO-EDITED-7")
    stored = api.get(f"/api/v1/turns/{turn['id']}")
    assert stored["wo_number"] == "WO-EDITED-7"
    assert stored["version"] == turn["version"] + 1
    [update] = api.field_updates(turn["id"], "wo_number")
    assert update["user_id"] == api.get("/api/v1/auth/me")["id"]
    assert (update["old_values"]["wo_number"], update["new_values"]["wo_number"]) == (turn["wo_number"], "WO-EDITED-7")
    assert errors == []
    manager.screenshot("turn-detail")

    # An approver reads the same turn but is offered nothing to edit, nor the lock-box code.
    approver = sign_in(demo["DFO_APPROVER"])
    approver.open_turn(turn["turn_id"])
    expect(approver.page.locator(".readonly", has_text="WO number")).to_contain_text("WO-EDITED-7")
    expect(approver.page.get_by_label("WO number")).to_have_count(0)
    expect(approver.page.get_by_role("button", name="Save work order")).to_have_count(0)
    expect(approver.page.get_by_role("button", name="Reveal code")).to_have_count(0)


def test_the_lock_box_code_is_shown_only_when_revealed_and_audited(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    turn = _first_turn(api)
    # Letters no id on the page can hold (ids are lowercase hex): its absence is the code's absence.
    body = {"version": turn["version"], "code": "QX74-KM", "location": "Back gate"}
    api.send("PUT", f"/api/v1/turns/{turn['id']}/lock-box", body)
    manager = sign_in(demo["PROPERTY_MANAGER"])
    manager.open_turn(turn["turn_id"])
    page = manager.page
    expect(page.get_by_role("region", name="Lock box").get_by_text("Back gate")).to_be_visible()

    assert "QX74" not in page.content()
    assert "QX74" not in page.locator("body").inner_text()
    assert api.get("/api/v1/audit", turn_id=turn["id"], action="VIEW")["items"] == []

    page.get_by_role("button", name="Reveal code").click()

    expect(page.locator(".reveal")).to_contain_text("Code: QX74-KM")
    [view] = api.get("/api/v1/audit", turn_id=turn["id"], action="VIEW")["items"]
    assert view["user_id"] == api.get("/api/v1/auth/me")["id"]
    assert view["metadata"] == {"field": "primary_lock_box_code"}
    page.get_by_role("button", name="Hide code").click()
    expect(page.locator(".reveal")).not_to_contain_text("QX74")


def test_a_vendor_updates_their_turn_on_a_phone(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["VENDOR"])
    company = api.get("/api/v1/auth/me")["vendor_id"]
    turn = next(t for t in sorted(api.active_turns().values(), key=lambda t: t["turn_id"]) if t["vendor_id"] == company)
    power = "NO" if turn["power_status"] == "YES" else "YES"
    vendor = sign_in(demo["VENDOR"], phone=True)
    vendor.open_turn(turn["turn_id"])
    page = vendor.page
    # Only what a vendor may update is offered: no amounts, no vendor assignment, no stage moves.
    for label in ("Turn amount", "Vendor", "WO number", "Move to stage", "Move-out date"):
        expect(page.get_by_label(label, exact=True)).to_have_count(0)

    page.get_by_label("Status", exact=True).fill("Painting")
    page.get_by_role("button", name="Save work order").click()
    page.get_by_label("Power", exact=True).select_option(power)
    page.get_by_role("button", name="Save utilities").click()

    expect(page.locator(".audit li", has_text="Power from").first).to_be_visible()
    stored = api.get(f"/api/v1/turns/{turn['id']}")
    assert (stored["status"], stored["power_status"]) == ("Painting", power)
    assert stored["version"] == turn["version"] + 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("heading", level=1).scroll_into_view_if_needed()
    vendor.screenshot("turn-vendor-phone")


def test_a_change_right_after_setting_the_lock_box_is_not_a_conflict(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    turn = _first_turn(api)
    # The turn's synced changes never reach the page: only the answers of its own saves can
    # tell it the turn's new version.
    manager = sign_in(demo["PROPERTY_MANAGER"], held=("turns",))
    manager.open_turn(turn["turn_id"])
    page = manager.page

    page.get_by_text("Set the lock box").click()
    form = page.get_by_role("form", name="Set the lock box")
    form.get_by_label("New code (leave empty to keep the current one)").fill("ZQ55-ZZ")
    form.get_by_label("Lock-box location").fill("Side gate")
    form.get_by_role("button", name="Save lock box").click()
    expect(page.get_by_role("region", name="Lock box").get_by_text("Side gate")).to_be_visible()
    # Saved from the keyboard: the turn's other sections, still arriving on a loaded machine, may
    # move the Save button down the page between finding it and clicking it.
    page.get_by_label("WO number").fill("WO-AFTER-BOX")
    page.get_by_label("WO number").press("Enter")

    stored = _eventually_stored(api, turn["id"], "WO-AFTER-BOX")
    assert (stored["lock_box_location"], stored["version"]) == ("Side gate", turn["version"] + 2)
    expect(page.get_by_text("Changed by someone else")).to_have_count(0)
    # The code went to the server only: nothing of it is kept on the device.
    assert "ZQ55" not in (page.evaluate("JSON.stringify(localStorage)") or "")


def _eventually_stored(api: ApiUser, turn_id: str, wo_number: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        stored: dict[str, Any] = api.get(f"/api/v1/turns/{turn_id}")
        if stored["wo_number"] == wo_number or time.monotonic() > deadline:
            return stored
        time.sleep(0.2)
