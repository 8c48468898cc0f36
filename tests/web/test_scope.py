"""The scope of work in a real browser: a manager writes a turn's scope as lines at a desk (the
turn amount becomes their total, read-only), and the DFO approver sees the lines in the queue
and approves; above the HO threshold the scope goes on to the HO approver."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from playwright.sync_api import Locator, expect

from tests.fixtures.web import Person
from tests.web.helpers import ApiUser, approve
from turns.seed.demo import Credential


def _add_line(scope: Locator, trade: str, work: str, quantity: str, unit: str, cost: str) -> None:
    form = scope.get_by_role("form", name="Add a line")
    form.get_by_label("Trade").select_option(label=trade)
    form.get_by_label("Work", exact=True).fill(work)
    form.get_by_label("Quantity").fill(quantity)
    form.get_by_role("combobox", name=re.compile(r"^Unit")).select_option(unit)
    form.get_by_label("Unit cost ($)").fill(cost)
    form.get_by_role("button", name="Add the line").click()
    expect(scope.get_by_role("row").filter(has_text=work)).to_be_visible()


def test_a_manager_writes_the_scope_and_the_dfo_approves_it(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    turn = next(
        t
        for t in api.active_turns().values()
        if t["scope_approval_status"] == "PENDING" and not api.get(f"/api/v1/turns/{t['id']}/scope-lines")["items"]
    )
    manager = sign_in(demo["PROPERTY_MANAGER"])
    manager.open_turn(turn["turn_id"])
    scope = manager.page.locator("section.scope")
    expect(scope.get_by_text("No lines yet")).to_be_visible()

    _add_line(scope, "Flooring", "LVP throughout", "850", "sq ft", "6.50")
    _add_line(scope, "Paint", "Interior repaint", "6", "room", "1100")
    expect(scope.get_by_role("row").filter(has_text="LVP throughout")).to_contain_text(
        "850 sq ft \N{MULTIPLICATION SIGN} $6.50"
    )
    expect(scope.get_by_role("row").filter(has_text="LVP throughout")).to_contain_text("$5,525.00")
    expect(scope.locator("tfoot")).to_contain_text("$12,125.00")
    # The turn amount is now the lines' total, shown and no longer edited on its own.
    amount = manager.page.locator(".readonly").filter(has_text="the sum of the lines")
    expect(amount).to_contain_text("12,125")
    scope.scroll_into_view_if_needed()
    manager.screenshot("scope-lines")

    stored = api.get(f"/api/v1/turns/{turn['id']}")
    assert Decimal(stored["turn_amount"]) == Decimal("12125.00")
    api.send("POST", f"/api/v1/turns/{turn['id']}/scope/submit", {"version": stored["version"]})

    dfo = sign_in(demo["DFO_APPROVER"])
    dfo.page.get_by_role("link", name="Approvals").click()
    row = dfo.page.locator(f'.queue-item[data-turn="{turn["turn_id"]}"]')
    expect(row.get_by_role("table")).to_contain_text("LVP throughout")
    expect(row.get_by_role("table")).to_contain_text("$6,600.00")
    approve(row)
    expect(dfo.page.get_by_role("status").filter(has_text="approved")).to_have_text(
        f"{turn['turn_id']} approved: it now waits for the HO approver."
    )
    assert api.get(f"/api/v1/turns/{turn['id']}")["scope_approval_status"] == "HO_APPROVAL_NEEDED"
