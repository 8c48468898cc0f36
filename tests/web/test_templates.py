"""Inspection templates in a real browser: an admin makes a template in Set-up with two areas and
their items, moves an item up, renames an area and saves the checklist (at a desk and on a
phone); a manager starting a move-out inspection picks that template and walks its areas and
items in that order, and sees no template editor."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.fixtures.web import PHONE, Person
from tests.web.helpers import ApiUser
from tests.web.test_accessibility import _violations
from turns.seed.demo import Credential

NAME = "Garden cottage"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CODES = ("SINGLE_FAMILY", "APARTMENT", "OTHER", "PLUMBING", "APPLIANCES", "GENERAL")


def _add_item(page: Page, area: str, item: str, trade: str) -> None:
    region = page.get_by_role("region", name=area, exact=True)
    region.get_by_label(f"New item in {area}", exact=True).fill(item)
    region.get_by_label(f"Trade of the new item in {area}").select_option(label=trade)
    region.get_by_role("button", name="Add item").click()


def _add_area(page: Page, area: str, items: list[tuple[str, str]]) -> None:
    page.get_by_label("New area").fill(area)
    page.get_by_role("button", name="Add area").click()
    for item, trade in items:
        _add_item(page, area, item, trade)


def _readable(page: Page) -> str:
    """The page's words, once they hold no id and no code."""
    words = page.locator("main").inner_text()
    assert not UUID.search(words), words
    assert not [code for code in CODES if code in words], words
    return words


def _shot(person: Person, folder: Path, name: str) -> None:
    person.page.screenshot(path=folder / f"{name}.png", full_page=True)


def _walked(page: Page) -> list[tuple[str, list[str]]]:
    areas: list[tuple[str, list[str]]] = page.locator(".inspection-area").evaluate_all(
        """sections => sections.map((s) => [s.querySelector('h2').textContent,
                [...s.querySelectorAll('.inspection-item')].map((i) => i.dataset.item)])"""
    )
    return [(area, items) for area, items in areas]


def test_an_admin_builds_a_template_and_a_manager_walks_it(
    sign_in: Callable[..., Person],
    api_as: Callable[[Credential], ApiUser],
    demo: dict[str, Credential],
    tmp_path: Path,
) -> None:
    api = api_as(demo["ADMIN"])
    admin = sign_in(demo["ADMIN"])
    page = admin.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Set-up").click()
    page.get_by_role("link", name="Inspection templates").click()
    expect(page.get_by_text("Single-family home", exact=True)).to_be_visible()
    expect(page.get_by_text("Single-family home · 8 areas · 38 items")).to_be_visible()

    page.get_by_role("button", name="New template").click()
    page.get_by_label("Template name").fill(NAME)
    page.get_by_label("Kind of home").select_option(label="Other")
    page.get_by_role("button", name="Create template").click()
    expect(page.get_by_text(f"{NAME} is made: add its areas and items below.")).to_be_visible()
    expect(page.get_by_text("No areas yet")).to_be_visible()

    _add_area(page, "Kitchen", [("Cabinets", "General"), ("Sink & faucet", "Plumbing"), ("Range", "Appliances")])
    _add_area(page, "Bathroom", [("Toilet", "Plumbing"), ("Mirror", "General")])
    kitchen = page.get_by_role("region", name="Kitchen", exact=True)
    kitchen.get_by_role("button", name="Move Range up").click()
    kitchen.get_by_label("Unit of Cabinets in Kitchen").select_option("ln ft")
    page.get_by_role("region", name="Bathroom", exact=True).get_by_label("Name of area 2").fill("Hall bath")
    expect(page.get_by_text("Changes not saved yet.")).to_be_visible()
    page.get_by_role("button", name="Save checklist").click()
    expect(page.get_by_text("Checklist saved.")).to_be_visible()
    expect(page.get_by_text("Other · 2 areas · 5 items")).to_be_visible()

    [made] = [t for t in api.get("/api/v1/inspection-templates")["items"] if t["name"] == NAME]
    assert (made["kind"], made["is_active"]) == ("OTHER", True)
    assert [(i["area"], i["item"], i["trade"], i["unit"], i["position"]) for i in made["items"]] == [
        ("Kitchen", "Cabinets", "GENERAL", "ln ft", 0),
        ("Kitchen", "Range", "APPLIANCES", "each", 10),
        ("Kitchen", "Sink & faucet", "PLUMBING", "each", 20),
        ("Hall bath", "Toilet", "PLUMBING", "each", 30),
        ("Hall bath", "Mirror", "GENERAL", "each", 40),
    ]
    _readable(page)
    page.evaluate("window.scrollTo(0, 0)")
    admin.screenshot("setup-inspection-template")
    _shot(admin, tmp_path, "desk")
    assert _violations(page) == []

    # A name another template has is refused in words, and nothing is written.
    page.get_by_label("Template name").fill("apartment")
    page.get_by_role("button", name="Save name").click()
    expect(page.get_by_role("alert")).to_have_text("There is already a template named apartment: choose another name.")
    assert [t["name"] for t in api.get("/api/v1/inspection-templates")["items"]].count(NAME) == 1

    phone = sign_in(demo["ADMIN"], phone=True)
    phone.page.goto("/#/setup/inspections")
    phone.page.get_by_role("button", name=f"Edit {NAME}").click()
    expect(phone.page.get_by_role("region", name="Hall bath", exact=True)).to_be_visible()
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    _readable(phone.page)
    _shot(phone, tmp_path, "phone")

    # A copy of it is the start of another.
    phone.page.get_by_role("button", name="New template").click()
    phone.page.get_by_label("Template name").fill("Garden cottage, upstairs")
    phone.page.get_by_role("combobox", name=re.compile("^Start from")).select_option(
        label=f"A copy of {NAME} (2 areas · 5 items)"
    )
    phone.page.get_by_role("button", name="Create template").click()
    expect(phone.page.get_by_text(f"Garden cottage, upstairs starts as a copy of {NAME}")).to_be_visible()
    copies = {t["name"]: t for t in api.get("/api/v1/inspection-templates")["items"]}
    assert [(i["area"], i["item"], i["unit"]) for i in copies["Garden cottage, upstairs"]["items"]] == [
        (i["area"], i["item"], i["unit"]) for i in made["items"]
    ]

    _a_manager_walks_it(sign_in, api_as, demo, tmp_path)


def _a_manager_walks_it(
    sign_in: Callable[..., Person],
    api_as: Callable[[Credential], ApiUser],
    demo: dict[str, Credential],
    tmp_path: Path,
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    turn: dict[str, Any] = next(iter(api.active_turns().values()))
    manager = sign_in(demo["PROPERTY_MANAGER"])
    page = manager.page
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Set-up")).to_have_count(0)
    page.goto("/#/setup/inspections")
    expect(page.get_by_text("Only admins set up")).to_be_visible()
    expect(page.get_by_role("button", name="New template")).to_have_count(0)
    expect(page.get_by_text(NAME)).to_have_count(0)

    page.goto(f"/#/turns/{turn['id']}")
    page.get_by_role("combobox", name=re.compile("^Checklist")).select_option(label=NAME)
    page.get_by_role("button", name="Start move-out inspection").click()
    expect(page.get_by_role("heading", level=1, name="Move-out inspection")).to_be_visible()
    expect(page.get_by_text("0 of 5 items checked")).to_be_visible()
    assert _walked(page) == [("Kitchen", ["Cabinets", "Range", "Sink & faucet"]), ("Hall bath", ["Toilet", "Mirror"])]
    _shot(manager, tmp_path, "manager-inspection")
    [inspection] = [i for i in api.get(f"/api/v1/turns/{turn['id']}/inspections")["items"]]
    template = api.get(f"/api/v1/inspections/{inspection['id']}")["template"]
    assert template["name"] == NAME
