"""The web app on a phone on site (390x844): a vendor and an inspector find their way, their
turns as a list per stage, and on a turn's page what they do first; a desk keeps the columns."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.fixtures.web import PHONE, Person
from tests.web.helpers import ApiUser
from turns.seed.demo import Credential

# What must not reach the screen where a name, a label or money belongs.
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
ENUM = re.compile(r"\b[A-Z]{2,}(?:_[A-Z0-9]+)+\b")
RAW_AMOUNT = re.compile(r"(?<![$\d,.])\d{3,}\.\d{1,2}\b")


def _plain(page: Page, where: str) -> None:
    """The page shows no id, no enum code and no amount that is not money."""
    text = page.locator("main").inner_text()
    for name, pattern in (("an id", UUID), ("an enum code", ENUM), ("a raw amount", RAW_AMOUNT)):
        assert not pattern.search(text), f"{where} shows {name}: {pattern.search(text)}"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{where} scrolls sideways"


def _visit(person: Person, link: str, heading: str) -> None:
    """Go to a page through the bar at the bottom of the screen."""
    person.page.get_by_role("navigation", name="Main").get_by_role("link", name=link, exact=True).click()
    expect(person.page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    _plain(person.page, link)


def _stage_list(person: Person) -> list[dict[str, Any]]:
    """The board's stage sections as laid out: position, width, toggle text and state."""
    sections: list[dict[str, Any]] = person.page.locator(".board > .column").evaluate_all(
        """sections => sections.map(s => {
             const box = s.getBoundingClientRect(), toggle = s.querySelector('h2 button')
             return {stage: s.dataset.stage, x: box.x, y: box.y, width: box.width,
                     toggle: toggle && toggle.innerText.replace(/\\s+/g, ' ').trim(),
                     open: toggle && toggle.getAttribute('aria-expanded') === 'true'}
           })"""
    )
    return sections


def _turn_of(api: ApiUser, stage: str) -> dict[str, Any]:
    stage_id = api.stage_id(stage)
    return next(t for t in sorted(api.active_turns().values(), key=lambda t: t["turn_id"]) if t["stage_id"] == stage_id)


def test_a_vendor_finds_the_way_the_door_and_their_work_on_a_phone(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["VENDOR"])
    mine = api.active_turns()
    turn = _turn_of(api, "In Progress")
    home = api.get(f"/api/v1/properties/{turn['property_id']}")
    vendor = sign_in(demo["VENDOR"], phone=True)
    page = vendor.page
    expect(page.get_by_text(f"{len(mine)} of {len(mine)} active turns")).to_be_visible()

    # The navigation is a bar along the bottom of the screen; signing out stays in the top row.
    bar = page.get_by_role("navigation", name="Main").bounding_box()
    assert bar is not None and round(bar["y"] + bar["height"]) == PHONE["height"] and bar["width"] == PHONE["width"]
    sign_out = page.get_by_role("button", name="Sign out").bounding_box()
    assert sign_out is not None and sign_out["y"] + sign_out["height"] < 80

    # The board is a list of stages, one under the other, each with its count; a stage folds.
    stages = _stage_list(vendor)
    assert [s["x"] for s in stages] == [stages[0]["x"]] * len(stages)
    assert all(s["width"] > PHONE["width"] - 40 for s in stages)
    assert [s["y"] for s in stages] == sorted(s["y"] for s in stages)
    counts = {s["stage"]: sum(1 for t in mine.values() if t["stage_id"] == api.stage_id(s["stage"])) for s in stages}
    assert {s["toggle"] for s in stages if s["stage"] != "Complete"} == {
        f"{stage} {count}" for stage, count in counts.items() if stage != "Complete"
    }
    assert all(s["open"] == (counts[s["stage"]] > 0) for s in stages if s["stage"] != "Complete")
    toggle = page.get_by_role("button", name=f"In Progress {counts['In Progress']}")
    toggle.click()
    expect(vendor.card(turn["turn_id"])).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(vendor.card(turn["turn_id"])).to_be_visible()
    _plain(page, "the board")

    # The turn: the address opens maps, then the access, when they come, their lines, their work.
    vendor.open_turn(turn["turn_id"])
    street = page.get_by_role("link", name=re.compile(f"^{re.escape(home['street_address'])}.*open in maps$"))
    expect(street).to_have_attribute("href", re.compile(r"^https://www\.google\.com/maps/search/\?api=1&query="))
    assert home["street_address"].split()[0] in (street.get_attribute("href") or "")
    panels = page.locator(".turn-columns .panel h2").all_inner_texts()
    # At the door: the way in, when they are expected, the lines of work that are theirs and
    # their photos, then the turn's own fields.
    assert panels[:5] == ["Lock box", "Your visits", "Your lines", "Photos", "Your work"], panels
    expect(page.get_by_role("region", name="Lock box").get_by_role("button", name="Reveal code")).to_be_visible()
    work = page.get_by_role("region", name="Your work")
    assert work.locator("h3").all_inner_texts()[:2] == ["Work order", "Utilities"]
    assert work.locator("form").first.locator("input, select").first.get_attribute("id") == "field-status"
    _plain(page, "the turn")
    page.get_by_role("heading", level=1).scroll_into_view_if_needed()
    vendor.screenshot("phone-vendor-turn")

    _visit(vendor, "Completed", "Completed turns")
    page.get_by_role("link", name=re.compile("^Notifications")).click()
    expect(page.get_by_role("heading", level=1, name="Notifications")).to_be_visible()
    _plain(page, "notifications")


def test_an_inspector_starts_with_the_dates_and_sees_money_as_money_on_a_phone(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["INSPECTOR"])
    turn = _turn_of(api, "Final Walk")
    inspector = sign_in(demo["INSPECTOR"], phone=True)
    page = inspector.page
    stages = _stage_list(inspector)
    assert len({s["x"] for s in stages}) == 1 and all(s["toggle"] for s in stages)
    _plain(page, "the board")
    amounts = page.locator(".card dt:text('Amount') + dd").all_inner_texts()
    assert amounts and all(re.fullmatch(r"—|\$[\d,]+", a) for a in amounts), amounts
    inspector.screenshot("phone-inspector-board")

    inspector.open_turn(turn["turn_id"])
    work = page.get_by_role("region", name="Your work")
    assert work.locator("h3").all_inner_texts()[:2] == ["Dates", "Work order"]
    dates = work.locator("form").first.locator("input").evaluate_all("inputs => inputs.map(i => i.id)")
    assert dates == ["field-final_walk_date", "field-occupancy_check_date", "field-scan_360_date"]
    # One save per section: editing two dates writes once, with both.
    page.get_by_label("Final walk date").fill("2031-05-04")
    page.get_by_label("360° scan date").fill("2031-05-02")
    page.get_by_role("button", name="Save dates").click()
    expect(page.locator(".audit li", has_text="Final walk date").first).to_be_visible()
    stored = api.get(f"/api/v1/turns/{turn['id']}")
    assert (stored["final_walk_date"], stored["scan_360_date"]) == ("2031-05-04", "2031-05-02")
    assert stored["version"] == turn["version"] + 1
    _plain(page, "the turn")
    page.get_by_role("heading", level=1).scroll_into_view_if_needed()
    inspector.screenshot("phone-inspector-turn")

    for link, heading in (
        ("Completed", "Completed turns"),
        ("Calendar", "Calendar"),
        ("Properties", "Properties"),
        ("Vendors", "Vendors"),
        ("Reports", "Reports"),
    ):
        _visit(inspector, link, heading)


def test_a_manager_at_a_desk_keeps_the_columns(sign_in: Callable[..., Person], demo: dict[str, Credential]) -> None:
    manager = sign_in(demo["PROPERTY_MANAGER"])
    stages = _stage_list(manager)
    assert len(stages) > 3
    assert len({s["y"] for s in stages}) == 1 and len({s["x"] for s in stages}) == len(stages)
    assert not any(s["toggle"] for s in stages)
    nav = manager.page.get_by_role("navigation", name="Main").bounding_box()
    assert nav is not None and nav["y"] < 60


def test_every_page_of_an_admin_has_a_tab_that_can_be_read_on_a_phone(
    sign_in: Callable[..., Person], demo: dict[str, Credential]
) -> None:
    """Eight pages do not fit across a phone: the bar scrolls sideways rather than squeeze the
    labels over each other, and the page shown brings its tab into sight."""
    admin = sign_in(demo["ADMIN"], phone=True)
    tabs = admin.page.get_by_role("navigation", name="Main").get_by_role("link")
    expect(tabs).to_have_count(8)
    boxes = tabs.evaluate_all(
        """links => links.map(a => {
             const box = a.getBoundingClientRect()
             return {label: a.innerText, left: box.left, right: box.right, whole: a.scrollWidth <= a.clientWidth}
           })"""
    )
    assert [b["label"] for b in boxes if not b["whole"]] == []
    assert all(a["right"] <= b["left"] + 0.5 for a, b in itertools.pairwise(boxes))
    assert boxes[-1]["right"] > PHONE["width"]  # the last lies past the edge, to scroll to

    admin.page.goto("/#/reports")
    expect(admin.page.get_by_role("heading", level=1, name="Reports")).to_be_visible()
    shown = tabs.filter(has_text="Reports").bounding_box()
    assert shown is not None and shown["x"] >= 0 and shown["x"] + shown["width"] <= PHONE["width"]
    admin.screenshot("phone-admin-reports")

    _visit(admin, "Board", "Board")
    expect(tabs.filter(has_text="Board")).to_have_attribute("aria-current", "page")
