"""Set-up in a real browser: an admin adds a property, a vendor (with its trades and markets)
and (by invitation) a user, reorders the stages and changes the DFO and HO thresholds, at a
desk and on a phone; a manager sees no Set-up and the API refuses them the same writes."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from playwright.sync_api import Browser, expect

from tests.fixtures.mail import SmtpServer
from tests.fixtures.server import LiveServer
from tests.fixtures.web import PHONE, SCREENSHOTS, Person
from tests.web.helpers import ApiUser, invitation_link
from tests.web.test_accessibility import _violations, _visit
from turns.db.urls import DatabaseUrls
from turns.seed.demo import Credential

NEW_PASSWORD = "copper-Lantern-meadow-52"


def _stage_order(api: ApiUser) -> list[str]:
    stages = api.items("/api/v1/turn-stages")
    return [s["name"] for s in sorted(stages, key=lambda s: s["display_order"])]


def test_admin_sets_up_properties_vendors_and_users_at_a_desk(
    sign_in: Callable[..., Person],
    api_as: Callable[[Credential], ApiUser],
    demo: dict[str, Credential],
    browser: Browser,
    synced: LiveServer,
    db: DatabaseUrls,
    smtp: SmtpServer,
) -> None:
    api = api_as(demo["ADMIN"])
    admin = sign_in(demo["ADMIN"])
    page = admin.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Set-up").click()
    expect(page.get_by_role("heading", name="Set-up")).to_be_visible()

    page.get_by_role("button", name="New property").click()
    page.get_by_label("Property number").fill("P-9001")
    page.get_by_label("Name", exact=True).fill("Juniper Court 4")
    page.get_by_label("Street address").fill("4 Juniper Ct")
    page.get_by_label("City").fill("Mesa")
    page.get_by_label("Market").fill("Phoenix")
    page.get_by_role("combobox", name=re.compile("^Property manager")).select_option(index=1)
    page.get_by_role("button", name="Create property").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    [created] = [p for p in api.items("/api/v1/properties") if p["property_id"] == "P-9001"]
    assert (created["name"], created["city"], created["market"], created["is_active"]) == (
        "Juniper Court 4",
        "Mesa",
        "Phoenix",
        True,
    )
    assert created["property_manager_id"] is not None
    expect(page.get_by_role("cell", name="Juniper Court 4")).to_be_visible()
    page.get_by_role("button", name="Deactivate Juniper Court 4").click()
    expect(page.get_by_role("button", name="Activate Juniper Court 4", exact=True)).to_be_visible()
    assert api.get(f"/api/v1/properties/{created['id']}")["is_active"] is False

    page.get_by_role("link", name="Juniper Court 4").click()
    expect(page.get_by_text("This property is inactive")).to_be_visible()
    page.get_by_role("button", name="Edit property").click()
    page.get_by_label("Market").fill("Tempe")
    page.get_by_role("button", name="Save property").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    page.get_by_role("button", name="Activate Juniper Court 4", exact=True).click()
    expect(page.get_by_role("button", name="Deactivate Juniper Court 4")).to_be_visible()
    after = api.get(f"/api/v1/properties/{created['id']}")
    assert (after["market"], after["is_active"]) == ("Tempe", True)
    page.goto("/#/setup/properties")

    page.get_by_role("link", name="Vendors").last.click()
    page.get_by_role("button", name="New vendor").click()
    page.get_by_label("Company").fill("Brightline Painting")
    page.get_by_label("Contact", exact=True).fill("Rosa Vega")
    page.get_by_label("Phone").fill("480-555-0199")
    page.get_by_label("E-mail").fill("rosa@brightline.example")
    page.get_by_role("button", name="Create vendor").click()
    expect(page.get_by_role("button", name="Edit Brightline Painting")).to_be_visible()
    [vendor] = [v for v in api.items("/api/v1/vendors") if v["company_name"] == "Brightline Painting"]
    assert (vendor["contact_name"], vendor["phone"], vendor["email"]) == (
        "Rosa Vega",
        "480-555-0199",
        "rosa@brightline.example",
    )
    page.get_by_role("button", name="Edit Brightline Painting").click()
    trades = page.get_by_role("group", name="Trades")
    trades.get_by_label("Paint").check()
    trades.get_by_label("Flooring").check()
    markets = page.get_by_role("group", name="Markets")
    expect(markets.get_by_role("checkbox")).to_have_count(7)  # the demo's six markets and Tempe
    markets.get_by_label("Phoenix").check()
    markets.get_by_label("Tempe").check()
    page.get_by_role("button", name="Save vendor").click()
    # (in its own row: a demo vendor may do the same trades)
    row = page.get_by_role("row").filter(has=page.get_by_role("button", name="Edit Brightline Painting"))
    expect(row.get_by_role("cell", name="Paint, Flooring", exact=True)).to_be_visible()
    expect(row.get_by_role("cell", name="Phoenix, Tempe", exact=True)).to_be_visible()
    admin.screenshot("setup-vendors")
    saved = api.get(f"/api/v1/vendors/{vendor['id']}")
    assert (saved["trades"], saved["markets"]) == (["PAINT", "FLOORING"], ["Phoenix", "Tempe"])
    assert [v["company_name"] for v in api.items("/api/v1/vendors", trade="FLOORING", market="Tempe")] == [
        "Brightline Painting"
    ]

    page.get_by_role("link", name="Users").click()
    page.get_by_role("button", name="New user").click()
    page.get_by_label("E-mail").fill("Ines.Field@example.com")
    page.get_by_label("First name").fill("Ines")
    page.get_by_label("Last name").fill("Field")
    page.get_by_label("Role").select_option(label="Inspector")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to ines.field@example.com")).to_be_visible()
    expect(page.get_by_role("cell", name="Inspector").first).to_be_visible()
    assert "INSPECTOR" not in page.locator("main").inner_text()
    admin.screenshot("setup-users")
    [invited] = [u for u in api.items("/api/v1/users") if u["email"] == "ines.field@example.com"]
    assert (invited["role"], invited["email_verified"]) == ("INSPECTOR", False)

    link = invitation_link(db, smtp, "ines.field@example.com")
    invitee = browser.new_context(base_url=synced.base_url, viewport=PHONE)  # type: ignore[arg-type]
    try:
        welcome = invitee.new_page()
        welcome.goto(f"/{link}")
        expect(welcome.get_by_role("heading", name="Welcome to Turns")).to_be_visible()
        welcome.get_by_label("New password").fill("password123")
        welcome.get_by_label("The same password again").fill("password123")
        welcome.get_by_role("button", name="Set password and sign in").click()
        expect(welcome.get_by_role("alert")).to_contain_text("most common passwords")
        welcome.screenshot(path=SCREENSHOTS / "welcome-phone.png")
        welcome.get_by_label("New password").fill(NEW_PASSWORD)
        welcome.get_by_label("The same password again").fill(NEW_PASSWORD)
        welcome.get_by_role("button", name="Set password and sign in").click()
        expect(welcome.get_by_text("Inspector", exact=True)).to_be_attached()
        expect(welcome.get_by_role("button", name="Sign out")).to_be_visible()
    finally:
        invitee.close()
    assert api.get(f"/api/v1/users/{invited['id']}")["email_verified"] is True


def test_admin_reorders_stages_and_sets_the_thresholds_on_a_phone(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["ADMIN"])
    before = _stage_order(api)
    admin = sign_in(demo["ADMIN"], phone=True)
    page = admin.page
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Set-up")).to_have_count(1)
    page.goto("/#/setup/stages")
    page.get_by_role("button", name=f"Move {before[2]} up").click()
    expected = [before[0], before[2], before[1], *before[3:]]
    expect(page.locator(".stage-list strong")).to_have_text(expected)
    assert _stage_order(api) == expected
    admin.screenshot("setup-stages-phone")

    page.get_by_role("link", name="Approval thresholds").click()
    page.get_by_label("HO approval above").fill("12500")
    page.get_by_role("button", name="Save thresholds").click()
    expect(page.get_by_text("A scope above $12,500")).to_be_visible()
    assert Decimal(api.get("/api/v1/workflow/settings")["ho_approval_threshold"]) == Decimal("12500")
    page.get_by_label("DFO approval above").fill("15000")
    page.get_by_role("button", name="Save thresholds").click()
    expect(page.get_by_role("alert")).to_have_text(
        "the DFO threshold ($15,000.00) may not be above the HO threshold ($12,500.00)"
    )
    page.get_by_label("DFO approval above").fill("750")
    page.get_by_role("button", name="Save thresholds").click()
    expect(page.get_by_text("A scope of $750 or less is approved as it is submitted")).to_be_visible()
    admin.screenshot("setup-thresholds-phone")
    settings = api.get("/api/v1/workflow/settings")
    assert (Decimal(settings["dfo_approval_threshold"]), Decimal(settings["ho_approval_threshold"])) == (
        Decimal("750"),
        Decimal("12500"),
    )
    updates = api.get("/api/v1/audit", table_name="turn_stages", action="UPDATE", limit=20)["items"]
    assert any("display_order" in (row["changed_fields"] or []) for row in updates)


def test_a_manager_has_no_set_up_and_the_api_refuses_it(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    for phone in (False, True):
        manager = sign_in(demo["PROPERTY_MANAGER"], phone=phone)
        nav = manager.page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Properties")).to_have_count(1)
        expect(nav.get_by_role("link", name="Set-up")).to_have_count(0)
        manager.page.goto("/#/setup/users")
        expect(manager.page.get_by_text("Only admins set up properties")).to_be_visible()
        expect(manager.page.get_by_role("button", name="New user")).to_have_count(0)
    manager.page.goto("/#/properties")
    manager.page.locator(".data-table tbody a").first.click()
    expect(manager.page.get_by_role("heading", name="Turn history")).to_be_visible()
    expect(manager.page.get_by_role("button", name="Edit property")).to_have_count(0)

    stage = api.items("/api/v1/turn-stages")[0]
    settings = api.get("/api/v1/workflow/settings")
    user = api.items("/api/v1/users")[0]
    refusals = [
        ("POST", "/api/v1/properties", {"property_id": "P-1", "name": "X", "street_address": "1 X St"}),
        ("POST", "/api/v1/vendors", {"company_name": "X"}),
        ("POST", "/api/v1/users/invite", {"email": "x@example.com"}),
        ("POST", f"/api/v1/users/{user['id']}/reset-password", None),
        ("PATCH", f"/api/v1/turn-stages/{stage['id']}", {"name": "X", "version": stage["version"]}),
        ("PATCH", "/api/v1/workflow/settings", {"ho_approval_threshold": "1", "version": settings["version"]}),
        ("PATCH", "/api/v1/workflow/settings", {"dfo_approval_threshold": "1", "version": settings["version"]}),
    ]
    for method, path, body in refusals:
        response = api.http.request(method, path, json=body)
        assert response.status_code == 403, (path, response.text)


def test_the_set_up_sections_have_no_serious_violations(
    sign_in: Callable[..., Person], demo: dict[str, Credential]
) -> None:
    admin = sign_in(demo["ADMIN"])
    found = {
        section: _visit(admin, f"setup/{section}", settled)
        for section, settled in (
            ("properties", "of 60 properties"),
            ("vendors", "vendors"),
            ("users", "users"),
            ("stages", "Draft"),
            ("approvals", "HO approval above"),
        )
    }
    admin.page.goto("/#/setup/properties")
    admin.page.get_by_role("button", name="New property").click()
    found["new property form"] = _violations(admin.page)
    assert {section: problems for section, problems in found.items() if problems} == {}
