"""The list pages in a real browser: properties and vendors show exactly what the user may
see, and notifications are marked read with the bell following live."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.fixtures.web import Person
from tests.web.helpers import ApiUser
from turns.seed.demo import Credential


def _column(page: Page, label: str) -> list[str]:
    return page.locator(f'.data-table tbody [data-label="{label}"]').all_inner_texts()


def _open(person: Person, link: str, count: int, noun: str) -> Page:
    person.page.get_by_role("navigation", name="Main").get_by_role("link", name=link).click()
    expect(person.page.get_by_role("status").filter(has_text=noun)).to_have_text(f"{count} of {count} {noun}")
    return person.page


def test_properties_are_those_the_user_may_read_with_their_active_turns(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    everyone = sorted(p["property_id"] for p in api_as(demo["ADMIN"]).items("/api/v1/properties"))
    api = api_as(demo["PROPERTY_MANAGER"])
    mine = api.items("/api/v1/properties")
    assert mine and {p["property_id"] for p in mine} < set(everyone)
    admin_page = _open(sign_in(demo["ADMIN"]), "Properties", len(everyone), "properties")
    assert sorted(_column(admin_page, "Property ID")) == everyone

    page = _open(sign_in(demo["PROPERTY_MANAGER"]), "Properties", len(mine), "properties")

    assert sorted(_column(page, "Property ID")) == sorted(p["property_id"] for p in mine)
    active = Counter(t["property_id"] for t in api.active_turns().values())
    ids = {p["id"]: p["property_id"] for p in mine}
    shown = dict(zip(_column(page, "Property ID"), _column(page, "Active turns"), strict=True))
    assert shown == {ids[p["id"]]: str(active[p["id"]]) for p in mine}

    market = mine[0]["market"]
    page.get_by_label("Market").select_option(market)
    in_market = [p["property_id"] for p in mine if p["market"] == market]
    expect(page.get_by_role("status").filter(has_text="properties")).to_have_text(
        f"{len(in_market)} of {len(mine)} properties"
    )
    assert sorted(_column(page, "Property ID")) == sorted(in_market)
    page.get_by_role("button", name="Property ID").click()
    expect(page.get_by_role("columnheader", name="Property ID")).to_have_attribute("aria-sort", "ascending")
    assert _column(page, "Property ID") == sorted(in_market)


def test_vendors_show_every_company_and_flag_expired_insurance(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    admin = api_as(demo["ADMIN"])
    vendor = admin.items("/api/v1/vendors")[0]
    lapsed = (date.today() - timedelta(days=3)).isoformat()
    admin.send("PATCH", f"/api/v1/vendors/{vendor['id']}", {"insurance_expiry": lapsed, "version": vendor["version"]})
    manager = api_as(demo["PROPERTY_MANAGER"])
    vendors = manager.items("/api/v1/vendors")

    page = _open(sign_in(demo["PROPERTY_MANAGER"]), "Vendors", len(vendors), "vendors")

    assert sorted(_column(page, "Company")) == sorted(v["company_name"] for v in vendors)
    row = page.locator(".data-table tbody tr", has=page.get_by_role("rowheader", name=vendor["company_name"]))
    expect(row).to_have_class("expired")
    expect(row.locator('[data-label="Insurance expiry"]')).to_contain_text("expired")
    today = date.today().isoformat()
    expired = [v for v in vendors if v["insurance_expiry"] and v["insurance_expiry"] < today]
    expect(page.locator(".data-table tbody tr.expired")).to_have_count(len(expired))


def test_a_new_notification_comes_first_and_marking_it_read_lowers_the_bell(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    unread = api.get("/api/v1/notifications/unread-count")["unread"]
    manager = sign_in(demo["PROPERTY_MANAGER"])
    bell = manager.page.get_by_role("link", name="Notifications:")
    expect(bell).to_have_attribute("aria-label", f"Notifications: {unread} unread")
    bell.click()
    expect(manager.page.locator(".note.unread")).to_have_count(unread)

    # An admin moves one of the manager's turns: the manager hears of it, live.
    turn = next(t for t in api.active_turns().values() if t["stage_id"] == api.stage_id("In Progress"))
    admin = api_as(demo["ADMIN"])
    admin.send(
        "POST",
        f"/api/v1/turns/{turn['id']}/transition",
        {"to_stage_id": api.stage_id("Final Walk"), "version": turn["version"]},
    )
    newest = api.get("/api/v1/notifications", limit=1)["items"][0]
    assert newest["turn_id"] == turn["id"] and not newest["is_read"]
    expect(bell).to_have_attribute("aria-label", f"Notifications: {unread + 1} unread")
    first = manager.page.locator(".note").first
    expect(first).to_have_attribute("data-notification", newest["id"])
    expect(first.get_by_role("link", name=newest["title"])).to_have_attribute("href", f"#/turns/{turn['id']}")

    first.get_by_role("button", name=f"Mark read {newest['title']}").click()

    expect(bell).to_have_attribute("aria-label", f"Notifications: {unread} unread")
    expect(first).not_to_have_class("note unread")
    expect(manager.page.locator(".note.unread")).to_have_count(unread)
    assert api.get("/api/v1/notifications/unread-count")["unread"] == unread
    assert api.get("/api/v1/notifications", limit=1)["items"][0]["is_read"]

    manager.page.get_by_role("button", name="Mark all read").click()

    expect(bell).to_have_attribute("aria-label", "Notifications: 0 unread")
    expect(manager.page.get_by_role("button", name="Mark all read")).to_be_disabled()
    assert api.get("/api/v1/notifications/unread-count")["unread"] == 0
