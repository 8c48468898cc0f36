"""Bids in a real browser: a manager asks two vendors to quote two lines, vendor A prices them on
a phone, vendor B declines, and the manager compares the bids side by side and awards A, whose
vendor and unit costs the lines (and so the turn amount) then carry, and A hears it won; and a
request the manager cancels, after confirming, which its vendor sees cancelled (and hears of) and
can no longer price; and a vendor looking back at the requests that are over, from a note."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from playwright.sync_api import expect

from tests.fixtures.factory import PASSWORD, Factory
from tests.fixtures.web import Person
from tests.web.helpers import ApiUser
from turns.seed.demo import Credential


def test_a_manager_asks_two_vendors_compares_and_awards(
    sign_in: Callable[..., Person],
    api_as: Callable[[Credential], ApiUser],
    demo: dict[str, Credential],
    factory: Factory,
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    turn = next(
        t
        for t in api.active_turns().values()
        if t["scope_approval_status"] == "PENDING" and not api.get(f"/api/v1/turns/{t['id']}/scope-lines")["items"]
    )
    for trade, work, quantity, unit, cost in (
        ("FLOORING", "LVP throughout", "850", "sq ft", "6.50"),
        ("PAINT", "Interior repaint", "6", "room", "1100"),
    ):
        body = {"trade": trade, "description": work, "quantity": quantity, "unit": unit, "unit_cost": cost}
        api.send("POST", f"/api/v1/turns/{turn['id']}/scope-lines", body)
    vendor_a = api_as(demo["VENDOR"]).get("/api/v1/auth/me")["vendor_id"]
    company_a = api.get(f"/api/v1/vendors/{vendor_a}")["company_name"]
    company_b = "Peachtree Floors & Paint"
    vendor_b = factory.user(
        "VENDOR", vendor_id=factory.vendor(company_name=company_b), email="estimates@peachtree.example"
    )
    credential_b = Credential(vendor_b.email, "VENDOR", PASSWORD)

    manager = sign_in(demo["PROPERTY_MANAGER"])
    manager.open_turn(turn["turn_id"])
    bids = manager.page.locator("section.bids")
    expect(bids.get_by_text("No bids asked yet")).to_be_visible()
    bids.get_by_role("button", name="Ask for bids").click()
    form = bids.get_by_role("form", name="Ask for bids")
    form.get_by_label(re.compile("LVP throughout")).check()
    form.get_by_label(re.compile("Interior repaint")).check()
    form.get_by_label(re.compile(re.escape(company_a))).check()
    form.get_by_label(re.compile(re.escape(company_b))).check()
    form.get_by_role("button", name="Send the request").click()
    table = bids.get_by_role("table")
    expect(table.get_by_role("columnheader")).to_have_count(3)
    expect(table.locator("thead")).to_contain_text("Waiting")

    # Vendor A prices the lines on a phone: the amounts and the total follow as it types.
    a = sign_in(demo["VENDOR"], phone=True)
    a.page.get_by_role("navigation", name="Main").get_by_role("link", name="Bid requests").click()
    card = a.page.get_by_role("form", name=re.compile("^Bid for")).filter(has_text=f"Turn {turn['turn_id']}")
    card.get_by_label("Unit cost ($) for LVP throughout").fill("5.90")
    card.get_by_label("Unit cost ($) for Interior repaint").fill("1050")
    expect(card.locator(".bid-total")).to_contain_text("$11,315.00")  # 850 x 5.90 + 6 x 1,050
    card.get_by_label("Note (optional)").fill("Can start Monday")
    a.screenshot("bids-vendor-phone")
    card.get_by_role("button", name="Submit prices").click()
    expect(a.page.get_by_role("status").filter(has_text="Prices sent")).to_have_text("Prices sent: $11,315.00.")

    b = sign_in(credential_b, phone=True)
    b.page.get_by_role("navigation", name="Main").get_by_role("link", name="Bid requests").click()
    b.page.get_by_role("form", name=re.compile("^Bid for")).get_by_role("button", name="Decline").click()
    expect(b.page.get_by_role("status").filter(has_text="declined")).to_be_visible()

    # The manager compares: A's prices per line and total, B declined; and awards A, confirmed.
    manager.page.reload()
    table = manager.page.locator("section.bids").get_by_role("table")
    expect(table.locator("thead")).to_contain_text("Declined")
    expect(table.locator("tbody")).to_contain_text("$5,015.00")
    expect(table.locator("tfoot")).to_contain_text("$11,315.00")
    manager.page.locator("section.bids").scroll_into_view_if_needed()
    manager.screenshot("bids-compare")
    table.get_by_role("button", name=f"Award {company_a}").click()
    manager.page.get_by_role("button", name=f"Yes, award {company_a}").click()
    expect(manager.page.get_by_role("status").filter(has_text="Awarded to")).to_be_visible()
    scope = manager.page.locator("section.scope")
    expect(scope.get_by_role("row").filter(has_text="LVP throughout")).to_contain_text("$5,015.00")

    lines = api.get(f"/api/v1/turns/{turn['id']}/scope-lines")["items"]
    assert {(line["description"], line["vendor_id"], line["unit_cost"]) for line in lines} == {
        ("LVP throughout", vendor_a, "5.90"),
        ("Interior repaint", vendor_a, "1050.00"),
    }
    assert Decimal(api.get(f"/api/v1/turns/{turn['id']}")["turn_amount"]) == Decimal("11315.00")

    # Vendor A hears it won: its bid requests page says so, and the bell's note leads there.
    a.page.reload()
    won = a.page.get_by_role("form", name=re.compile("^Bid for")).filter(has_text=f"Turn {turn['turn_id']}")
    expect(won).to_contain_text("Your bid was chosen: these lines are yours to do.")
    expect(won.get_by_role("button", name="Submit prices")).to_have_count(0)
    won.scroll_into_view_if_needed()
    a.screenshot("bids-vendor-won-phone")
    a.page.get_by_role("link", name=re.compile("^Notifications:")).click()
    a.page.get_by_role("link", name=re.compile("^Bid won: ")).first.click()
    expect(a.page.get_by_role("heading", name="Bid requests")).to_be_visible()
    expect(a.page).to_have_url(re.compile(f"#/bids/{turn['id']}$"))
    expect(a.page.locator("form.bid-card.picked")).to_contain_text(f"Turn {turn['turn_id']}")


def test_a_manager_cancels_a_request_and_the_vendor_sees_it_cancelled(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    turn, lines = next(
        (t, lines)
        for t in sorted(api.active_turns().values(), key=lambda t: t["turn_id"])
        if (lines := api.get(f"/api/v1/turns/{t['id']}/scope-lines")["items"])
    )
    vendor = api_as(demo["VENDOR"]).get("/api/v1/auth/me")["vendor_id"]
    due = (date.today() + timedelta(days=5)).isoformat()
    body = {"line_ids": [lines[0]["id"]], "vendor_ids": [vendor], "due_date": due}
    request = api.send("POST", f"/api/v1/turns/{turn['id']}/bid-requests", body)

    manager = sign_in(demo["PROPERTY_MANAGER"])
    manager.open_turn(turn["turn_id"])
    asked = manager.page.locator(f'.bid-request[data-request="{request["id"]}"]')
    asked.get_by_role("button", name="Cancel this bid request").click()
    confirm = asked.get_by_role("alertdialog", name="Confirm the cancellation")
    expect(confirm).to_contain_text("The 1 invited vendor can no longer price it")
    confirm.get_by_role("button", name="Keep it open").click()
    expect(confirm).to_have_count(0)
    assert api.get(f"/api/v1/turns/{turn['id']}/bid-requests")["items"][0]["status"] == "OPEN"
    asked.get_by_role("button", name="Cancel this bid request").click()
    confirm.get_by_role("button", name="Yes, cancel the request").click()
    expect(asked.get_by_role("status")).to_have_text("Bid request cancelled: the vendors can no longer price it.")
    expect(asked.locator("h3 .badge")).to_have_text("Cancelled")
    expect(asked.get_by_role("button", name="Cancel this bid request")).to_have_count(0)
    assert api.get(f"/api/v1/turns/{turn['id']}/bid-requests")["items"][0]["status"] == "CANCELLED"

    vendor_user = sign_in(demo["VENDOR"], phone=True)
    vendor_user.page.get_by_role("navigation", name="Main").get_by_role("link", name="Bid requests").click()
    cards = vendor_user.page.get_by_role("form", name=re.compile("^Bid for"))
    card = cards.filter(has_text=f"Turn {turn['turn_id']}").filter(has_text="Cancelled by the manager")
    expect(card).to_contain_text("Cancelled by the manager: no longer taking bids")
    expect(card.get_by_label(f"Unit cost ($) for {lines[0]['description']}")).to_be_disabled()
    expect(card.get_by_role("button", name="Submit prices")).to_have_count(0)
    vendor_user.page.get_by_role("link", name=re.compile("^Notifications:")).click()
    withdrawn = vendor_user.page.get_by_role("link", name=f"Bid request withdrawn: {request['address']}")
    expect(withdrawn.first).to_be_visible()


def test_a_vendor_follows_an_old_note_to_how_its_bid_ended(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    """The requests that are over fold under the open ones: those due in the last 90 days, with
    how each ended. The note of an award older than that leads to its request all the same,
    picked out and unfolded."""
    since = date.today() - timedelta(days=90)
    history = api_as(demo["VENDOR"]).get("/api/v1/bids", open="false")["items"]
    over = [r for r in history if r["overdue"] and r["status"] != "OPEN"]
    recent = [r for r in over if date.fromisoformat(r["due_date"]) >= since]
    won = next(r for r in over if r["bids"][0]["status"] == "AWARDED" and r not in recent)
    assert any(r["bids"][0]["status"] == "LOST" for r in recent)  # (the demo vendor's latest were lost)

    vendor = sign_in(demo["VENDOR"], phone=True)
    vendor.page.get_by_role("navigation", name="Main").get_by_role("link", name="Bid requests").click()
    earlier = vendor.page.locator("details.earlier-bids")
    expect(earlier.locator("summary")).to_have_text(f"Earlier requests ({len(recent)})")
    expect(earlier).not_to_have_attribute("open", "")
    expect(vendor.page.locator("form.bid-card.picked")).to_have_count(0)

    vendor.page.get_by_role("link", name=re.compile("^Notifications:")).click()
    vendor.page.get_by_role("link", name=f"Bid won: {won['address']}").first.click()
    expect(vendor.page).to_have_url(re.compile(f"#/bids/{won['turn_id']}$"))
    expect(earlier).to_have_attribute("open", "")
    expect(earlier.locator("summary")).to_have_text(f"Earlier requests ({len(recent) + 1})")
    picked = earlier.locator("li.picked")
    amount = f"${Decimal(won['bids'][0]['total']):,.2f}"
    expect(picked).to_contain_text(f"Turn {won['turn_code']}")
    expect(picked).to_contain_text(f"Your bid of {amount} was chosen")
    expect(earlier.locator("li").filter(has_text="Another vendor's bid was chosen").first).to_be_visible()
    vendor.screenshot("bids-vendor-history-phone")

    # A link naming no turn of the vendor's (or not an id at all) leaves the page as it is.
    vendor.page.goto(vendor.page.url.split("#")[0] + '#/bids/"]x')
    expect(vendor.page.get_by_role("heading", name="Bid requests")).to_be_visible()
    expect(earlier.locator("summary")).to_have_text(f"Earlier requests ({len(recent)})")
    expect(vendor.page.locator(".picked")).to_have_count(0)
