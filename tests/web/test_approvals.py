"""The approvals queue in a real browser: a scope through both approvers' queues, a rejection
with its reason, and the page refused to a role that decides nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from playwright.sync_api import Locator, expect

from tests.fixtures.web import Person
from tests.web.helpers import ApiUser, approve
from turns.seed.demo import Credential


def _queue(person: Person) -> Person:
    person.page.get_by_role("link", name="Approvals").click()
    expect(person.page.get_by_role("heading", name="Approvals", level=1)).to_be_visible()
    return person


def _row(person: Person, turn_id: str) -> Locator:
    return person.page.locator(f'.queue-item[data-turn="{turn_id}"]')


def _submit_above_threshold(manager: ApiUser) -> tuple[dict[str, Any], Decimal]:
    """A pending scope of the manager's, its amount raised above the HO threshold, submitted."""
    turn = next(t for t in manager.active_turns().values() if t["scope_approval_status"] == "PENDING")
    amount = Decimal(manager.get("/api/v1/workflow/settings")["ho_approval_threshold"]) + Decimal("2500.00")
    path = f"/api/v1/turns/{turn['id']}"
    updated = manager.send("PATCH", path, {"turn_amount": str(amount), "version": turn["version"]})
    submitted = manager.send("POST", f"{path}/scope/submit", {"version": updated["version"]})
    assert submitted["scope_approval_status"] == "DFO_APPROVAL_NEEDED"
    return turn, amount + Decimal(turn["change_order_amount"] or 0)


def test_a_scope_above_the_threshold_passes_both_queues(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    manager = api_as(demo["PROPERTY_MANAGER"])
    turn, total = _submit_above_threshold(manager)
    dfo = _queue(sign_in(demo["DFO_APPROVER"]))
    ho = _queue(sign_in(demo["HO_APPROVER"]))
    dfo_row = _row(dfo, turn["turn_id"])
    expect(dfo_row).to_contain_text(f"${total:,.0f}")
    expect(dfo_row.locator("dt:text('Level') + dd")).to_have_text("DFO")
    expect(dfo_row.get_by_role("link", name=turn["turn_id"])).to_have_attribute("href", f"#/turns/{turn['id']}")
    expect(ho.page.get_by_text("scopes waiting")).to_be_visible()
    expect(_row(ho, turn["turn_id"])).to_have_count(0)
    dfo.screenshot("approvals")

    approve(dfo_row)

    expect(dfo.page.get_by_role("status").filter(has_text="approved")).to_have_text(
        f"{turn['turn_id']} approved: it now waits for the HO approver."
    )
    expect(dfo_row).to_have_count(0)
    # The HO approver's open queue shows it without a reload, at their level.
    ho_row = _row(ho, turn["turn_id"])
    expect(ho_row.locator("dt:text('Level') + dd")).to_have_text("HO")
    approve(ho_row)
    expect(ho_row).to_have_count(0)

    stored = manager.get(f"/api/v1/turns/{turn['id']}")
    assert stored["scope_approval_status"] == "HO_APPROVED"
    assert Decimal(stored["approved_turn_amount"]) == total
    steps = [
        (row["user_email"], row["new_values"]["scope_approval_status"])
        for row in manager.field_updates(turn["id"], "scope_approval_status")
    ]
    assert steps[:3] == [
        (demo["HO_APPROVER"].email, "HO_APPROVED"),
        (demo["DFO_APPROVER"].email, "HO_APPROVAL_NEEDED"),
        (demo["PROPERTY_MANAGER"].email, "DFO_APPROVAL_NEEDED"),
    ]


def test_a_rejection_needs_a_reason_and_keeps_it(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["DFO_APPROVER"])
    waiting = api.get("/api/v1/approvals/queue")
    assert len(waiting) > 1, "the demo has scopes waiting for the DFO"
    waits = [item["waiting_seconds"] for item in waiting]
    assert waits == sorted(waits, reverse=True), "oldest first"
    turn = waiting[0]
    dfo = _queue(sign_in(demo["DFO_APPROVER"]))
    expect(dfo.page.locator(".queue-item").first).to_have_attribute("data-turn", turn["turn_id"])
    row = _row(dfo, turn["turn_id"])

    row.get_by_role("button", name="Reject…").click()
    reason = row.get_by_label(f"Reason for rejecting {turn['turn_id']}")
    expect(reason).to_be_focused()
    expect(row.get_by_role("button", name="Reject scope")).to_be_disabled()
    expect(row.get_by_text("Write a reason")).to_be_visible()
    assert api.get(f"/api/v1/turns/{turn['id']}")["scope_approval_status"] == "DFO_APPROVAL_NEEDED"

    reason.fill("The quote has no flooring line items")
    row.get_by_role("button", name="Reject scope").click()

    expect(row).to_have_count(0)
    expect(dfo.page.get_by_role("status").filter(has_text="rejected")).to_have_text(f"{turn['turn_id']} rejected.")
    stored = api.get(f"/api/v1/turns/{turn['id']}")
    assert stored["scope_approval_status"] == "REJECTED"
    assert stored["reject_reason"] == "The quote has no flooring line items"
    assert stored["reject_user_id"] == api.get("/api/v1/auth/me")["id"]
    assert turn["id"] not in {t["id"] for t in api.get("/api/v1/approvals/queue")}


def test_a_manager_has_no_approvals_page(sign_in: Callable[..., Person], demo: dict[str, Credential]) -> None:
    manager = sign_in(demo["PROPERTY_MANAGER"])
    nav = manager.page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Board")).to_be_visible()
    expect(nav.get_by_role("link", name="Approvals")).to_have_count(0)

    manager.page.goto("/#/approvals")

    expect(manager.page.get_by_text("Approvals are not for your role")).to_be_visible()
    expect(manager.page.get_by_role("button", name="Approve")).to_have_count(0)
