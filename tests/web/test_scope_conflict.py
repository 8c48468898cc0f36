"""Two people change the same scope line in their browsers: the first save is kept; the second
meets it and is shown both values (saved now, and the change) until its writer reapplies the
change on top or discards it."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Locator, expect

from tests.fixtures.web import Person
from tests.web.helpers import ApiUser
from turns.seed.demo import Credential


def _a_line(api: ApiUser) -> tuple[dict[str, Any], dict[str, Any]]:
    """A turn of the demo manager's and the first line of its scope."""
    for turn in sorted(api.active_turns().values(), key=lambda t: t["turn_id"]):
        lines = api.get(f"/api/v1/turns/{turn['id']}/scope-lines")["items"]
        if lines:
            return turn, lines[0]
    raise AssertionError("the demo data has a turn with scope lines")


def _stored(api: ApiUser, line: dict[str, Any]) -> dict[str, Any]:
    lines = api.get(f"/api/v1/turns/{line['turn_id']}/scope-lines")["items"]
    return next(found for found in lines if found["id"] == line["id"])


def _edit_unit_cost(person: Person, line: dict[str, Any], unit_cost: str) -> Locator:
    """Open the line's form and set its unit cost (not saved yet); the form."""
    scope = person.page.locator("section.scope")
    row = scope.get_by_role("row").filter(has_text=line["description"]).first
    row.get_by_role("button", name=f"Edit {line['description']}").click()
    form = scope.get_by_role("form", name="Change the line")
    form.get_by_label("Unit cost ($)").fill(unit_cost)
    return form


@pytest.mark.parametrize("decision", ["reapply", "discard"])
def test_a_second_save_of_the_same_line_shows_both_values_until_decided(
    decision: str,
    sign_in: Callable[..., Person],
    api_as: Callable[[Credential], ApiUser],
    demo: dict[str, Credential],
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    turn, line = _a_line(api)
    manager, admin = sign_in(demo["PROPERTY_MANAGER"]), sign_in(demo["ADMIN"])
    for person in (manager, admin):
        person.open_turn(turn["turn_id"])
    mine = _edit_unit_cost(manager, line, "130")
    theirs = _edit_unit_cost(admin, line, "120")

    theirs.get_by_role("button", name="Save the line").click()
    expect(theirs).to_have_count(0)
    mine.get_by_role("button", name="Save the line").click()

    scope = manager.page.locator("section.scope")
    conflict = scope.get_by_role("alert").filter(has_text="Changed by someone else")
    expect(conflict).to_contain_text(f"Your change “Edit {line['description']}”")
    expect(conflict).to_contain_text("the line now shows their values")
    row = conflict.get_by_role("row", name="Unit cost")
    expect(row.get_by_role("cell").nth(0)).to_have_text("$120.00")
    expect(row.get_by_role("cell").nth(1)).to_have_text("$130.00")
    # Only what was changed is compared.
    expect(conflict.locator("tbody tr")).to_have_count(1)
    assert Decimal(_stored(api, line)["unit_cost"]) == Decimal("120.00")
    if decision == "reapply":
        conflict.scroll_into_view_if_needed()
        manager.screenshot("scope-line-conflict")
        conflict.get_by_role("button", name="Reapply my change").click()
        expected, version = "130.00", line["version"] + 2
    else:
        conflict.get_by_role("button", name="Discard it").click()
        expected, version = "120.00", line["version"] + 1

    expect(conflict).to_have_count(0)
    quantity = Decimal(line["quantity"]).normalize()
    shown = f"{quantity:,f} {line['unit']} \N{MULTIPLICATION SIGN} ${Decimal(expected):,.2f}"
    for person in (manager, admin):
        row = person.page.locator("section.scope").get_by_role("row").filter(has_text=line["description"]).first
        expect(row).to_contain_text(shown)
    stored = _stored(api, line)
    assert (Decimal(stored["unit_cost"]), stored["version"]) == (Decimal(expected), version)
