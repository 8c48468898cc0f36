"""Editing a turn without a connection: the edit waits on the device, is sent once, and a
conflicting change by someone else is shown with both values until the user decides."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.fixtures.web import Person
from tests.web.helpers import ApiUser
from turns.seed.demo import Credential

# Sync reconnects with backoff after the connection is back: allow it that long.
RECONNECT_MS = 40_000


def _edit_offline(person: Person, turn: dict[str, Any], wo_number: str) -> None:
    """Open the turn, go offline and change its WO number; the page says the change waits."""
    person.open_turn(turn["turn_id"])
    page = person.page
    expect(page.get_by_label("WO number")).to_have_value(turn["wo_number"])
    person.context.set_offline(True)
    expect(page.locator(".top .badge.offline")).to_have_text("Offline")

    page.get_by_label("WO number").fill(wo_number)
    page.get_by_label("WO number").press("Enter")  # (sections still arriving may move the Save button)

    expect(page.get_by_text("1 change waiting")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Offline: saved on this device")).to_be_visible()
    expect(page.get_by_label("WO number")).to_have_value(wo_number)


def test_an_offline_edit_reaches_the_database_once(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    turn = sorted(api.active_turns().values(), key=lambda t: t["turn_id"])[1]
    manager = sign_in(demo["PROPERTY_MANAGER"])
    _edit_offline(manager, turn, "WO-OFFLINE-1")
    assert api.get(f"/api/v1/turns/{turn['id']}")["wo_number"] == turn["wo_number"]

    manager.context.set_offline(False)

    expect(manager.page.get_by_text("change waiting")).to_have_count(0)
    expect(manager.page.locator(".top .badge.offline")).to_have_count(0)
    change = manager.page.locator(".audit li", has_text="WO number from").first
    expect(change).to_contain_text("to WO-OFFLINE-1", timeout=RECONNECT_MS)
    stored = api.get(f"/api/v1/turns/{turn['id']}")
    assert (stored["wo_number"], stored["version"]) == ("WO-OFFLINE-1", turn["version"] + 1)
    [update] = api.field_updates(turn["id"], "wo_number")
    assert update["user_id"] == api.get("/api/v1/auth/me")["id"]
    assert update["new_values"]["wo_number"] == "WO-OFFLINE-1"


@pytest.mark.parametrize("decision", ["reapply", "discard"])
def test_an_offline_edit_that_meets_a_newer_change_is_kept_until_decided(
    decision: str,
    sign_in: Callable[..., Person],
    api_as: Callable[[Credential], ApiUser],
    demo: dict[str, Credential],
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    admin = api_as(demo["ADMIN"])
    turn = sorted(api.active_turns().values(), key=lambda t: t["turn_id"])[2]
    manager = sign_in(demo["PROPERTY_MANAGER"])
    _edit_offline(manager, turn, "WO-MINE-2")
    theirs = {"wo_number": "WO-THEIRS-2", "version": turn["version"]}
    admin.send("PATCH", f"/api/v1/turns/{turn['id']}", theirs)

    manager.context.set_offline(False)

    page = manager.page
    conflict = page.get_by_role("alert").filter(has_text="Changed by someone else")
    expect(conflict).to_contain_text("Edit WO number")
    row = conflict.get_by_role("row", name="WO number")
    expect(row.get_by_role("cell").nth(0)).to_have_text("WO-THEIRS-2")
    expect(row.get_by_role("cell").nth(1)).to_have_text("WO-MINE-2")
    expect(conflict).to_contain_text("Saved by")
    conflict.scroll_into_view_if_needed()
    if decision == "reapply":
        manager.screenshot("turn-conflict")
        conflict.get_by_role("button", name="Reapply my change").click()
        expected, writers = "WO-MINE-2", [demo["PROPERTY_MANAGER"], demo["ADMIN"]]
    else:
        conflict.get_by_role("button", name="Discard it").click()
        expected, writers = "WO-THEIRS-2", [demo["ADMIN"]]

    expect(conflict).to_have_count(0)
    expect(page.get_by_text("change waiting")).to_have_count(0)
    expect(page.get_by_label("WO number")).to_have_value(expected, timeout=RECONNECT_MS)
    stored = api.get(f"/api/v1/turns/{turn['id']}")
    assert (stored["wo_number"], stored["version"]) == (expected, turn["version"] + len(writers))
    updates = api.field_updates(turn["id"], "wo_number")
    assert [u["user_email"] for u in updates] == [c.email for c in writers]
    assert [u["new_values"]["wo_number"] for u in updates] == [expected, "WO-THEIRS-2"][: len(writers)]
