"""A whole turn in a real browser, every step in the web app (the API only checks what was
stored): an admin sets up a home, a vendor and a new property manager, imports the move-outs;
the manager scopes the turn, the DFO approves it, the manager carries it through the stages
to leasing, finds it among the completed turns, reopens it, completes it again and exports the
completed list. The screenshots are those of docs/run-a-turn.md."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.fixtures.mail import SmtpServer
from tests.fixtures.web import PHONE, SCREENSHOTS, Person
from tests.web.helpers import ApiUser, approve, invitation_link
from turns.db.urls import DatabaseUrls
from turns.seed.demo import Credential

NORA = Credential(email="nora.quill@example.com", role="PROPERTY_MANAGER", password="harbor-Thistle-copper-87")
HOME = {"number": "P-7001", "name": "Larkspur Lane 12", "street": "12 Larkspur Ln", "city": "Decatur"}
VENDOR = "Cobalt Ridge Painting"
AMOUNT = Decimal("3850")


def _stored(api: ApiUser, turn_id: str, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The turn once the server has what the page sent (the outbox writes in the background)."""
    deadline = time.monotonic() + 15
    while True:
        turn: dict[str, Any] = api.get(f"/api/v1/turns/{turn_id}")
        if done(turn) or time.monotonic() > deadline:
            return turn
        time.sleep(0.2)


def _invite_and_accept(admin: Person, db: DatabaseUrls, smtp: SmtpServer) -> None:
    """The admin invites the new manager, who accepts in a browser of their own (a phone)."""
    page = admin.page
    page.get_by_role("link", name="Users").click()
    page.get_by_role("button", name="New user").click()
    page.get_by_label("E-mail").fill(NORA.email)
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Quill")
    page.get_by_label("Role").select_option(label="Property manager")
    admin.screenshot("walkthrough-invite")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(f"Invitation sent to {NORA.email}")).to_be_visible()

    link = invitation_link(db, smtp, NORA.email)
    browser = admin.context.browser
    assert browser is not None
    invitee = browser.new_context(base_url=admin.page.url.split("#")[0], viewport=PHONE)  # type: ignore[arg-type]
    try:
        welcome = invitee.new_page()
        welcome.goto(f"/{link}")
        expect(welcome.get_by_role("heading", name="Welcome to Turns")).to_be_visible()
        welcome.get_by_label("New password").fill(NORA.password)
        welcome.get_by_label("The same password again").fill(NORA.password)
        welcome.screenshot(path=SCREENSHOTS / "walkthrough-welcome-phone.png")
        welcome.get_by_role("button", name="Set password and sign in").click()
        expect(welcome.get_by_role("button", name="Sign out")).to_be_visible()
    finally:
        invitee.close()


def _set_up(admin: Person, api: ApiUser) -> None:
    page = admin.page
    page.get_by_role("link", name="Properties").last.click()
    page.get_by_role("button", name="New property").click()
    page.get_by_label("Property number").fill(HOME["number"])
    page.get_by_label("Name", exact=True).fill(HOME["name"])
    page.get_by_label("Street address").fill(HOME["street"])
    page.get_by_label("City").fill(HOME["city"])
    page.get_by_label("State").fill("GA")
    page.get_by_label("Market").fill("Atlanta")
    page.get_by_role("combobox", name=re.compile("^Property manager")).select_option(label="Nora Quill")
    admin.screenshot("walkthrough-new-property")
    page.get_by_role("button", name="Create property").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()

    page.get_by_role("link", name="Vendors").last.click()
    page.get_by_role("button", name="New vendor").click()
    page.get_by_label("Company").fill(VENDOR)
    page.get_by_label("Contact", exact=True).fill("Dale Ortiz")
    page.get_by_label("Phone").fill("404-555-0142")
    page.get_by_label("Approved to work").check()
    admin.screenshot("walkthrough-new-vendor")
    page.get_by_role("button", name="Create vendor").click()
    expect(page.get_by_role("button", name=f"Edit {VENDOR}")).to_be_visible()

    nora = next(u for u in api.items("/api/v1/users") if u["email"] == NORA.email)
    [home] = [p for p in api.items("/api/v1/properties") if p["property_id"] == HOME["number"]]
    assert (home["name"], home["street_address"], home["property_manager_id"]) == (
        HOME["name"],
        HOME["street"],
        nora["id"],
    )
    assert (nora["role"], nora["email_verified"]) == ("PROPERTY_MANAGER", True)
    [vendor] = [v for v in api.items("/api/v1/vendors") if v["company_name"] == VENDOR]
    assert (vendor["is_approved"], vendor["is_active"]) == (True, True)


def _import(admin: Person, api: ApiUser, tmp_path: Path) -> tuple[str, str]:
    """Move-outs for the new home and one more vacant one; the two turn IDs."""
    busy = {t["property_id"] for t in api.active_turns().values()}
    other = next(
        p
        for p in api.items("/api/v1/properties")
        if p["id"] not in busy and p["is_active"] and p["property_id"] != HOME["number"]
    )
    move_out, ready = date.today() - timedelta(days=1), date.today() + timedelta(days=14)
    moveouts = tmp_path / "moveouts.csv"
    moveouts.write_text(
        "Property Code,Move-Out Date,Ready By\n"
        + "".join(f"{code},{move_out:%m/%d/%Y},{ready:%Y-%m-%d}\n" for code in (HOME["number"], other["property_id"]))
    )
    page = admin.page
    page.get_by_role("link", name="Board").click()
    page.get_by_role("link", name="Import move-outs").click()
    expect(page.get_by_role("heading", name="Import", exact=True)).to_be_visible()
    page.get_by_label("Move-outs file (CSV)").set_input_files(moveouts)
    expect(page.get_by_text("2 rows, no problems.")).to_be_visible()
    expect(page.locator('.data-table tbody [data-label="Property found"]').first).to_have_text(
        f"{HOME['number']} \u00b7 {HOME['street']}"
    )
    admin.screenshot("walkthrough-import")
    page.get_by_role("button", name="Import 2 turns").click()
    expect(page.get_by_text("Imported 2 turns from moveouts.csv.")).to_be_visible()
    ours, theirs = (f"{code}-{move_out:%y%m%d}" for code in (HOME["number"], other["property_id"]))
    assert {ours, theirs} <= set(api.active_turns())
    return ours, theirs


def _move(page: Page, stage: str) -> None:
    page.get_by_label("Move to stage").select_option(label=stage)
    page.get_by_role("button", name="Move", exact=True).click()


def _workflow(page: Page) -> Any:
    return page.locator(".panel", has=page.get_by_role("heading", name="Stage and approval"))


def test_a_turn_runs_from_move_out_to_leasing_in_the_web_app(
    sign_in: Callable[..., Person],
    api_as: Callable[[Credential], ApiUser],
    demo: dict[str, Credential],
    tmp_path: Path,
    db: DatabaseUrls,
    smtp: SmtpServer,
) -> None:
    api = api_as(demo["ADMIN"])
    threshold = Decimal(api.get("/api/v1/workflow/settings")["ho_approval_threshold"])
    assert threshold > AMOUNT, "the walkthrough's scope needs the DFO alone"

    # Set-up: the new manager first, so the new home can be given to them by name.
    admin = sign_in(demo["ADMIN"])
    admin.page.get_by_role("navigation", name="Main").get_by_role("link", name="Set-up").click()
    expect(admin.page.get_by_role("heading", name="Set-up")).to_be_visible()
    _invite_and_accept(admin, db, smtp)
    _set_up(admin, api)
    turn_id, other_id = _import(admin, api, tmp_path)
    turn = api.active_turns()[turn_id]

    # The manager scopes the turn: amount, vendor, into Scope Approval, submitted.
    manager = sign_in(NORA)
    page = manager.page
    expect(manager.card(turn_id)).to_be_visible()
    assert manager.board_turns() == {turn_id}, "their one home, their one turn"
    manager.open_turn(turn_id)
    expect(page.get_by_role("heading", level=1)).to_have_text(HOME["name"])
    page.get_by_label("Turn amount").fill(str(AMOUNT))
    page.get_by_role("button", name="Save cost").click()
    page.get_by_label("Vendor", exact=True).select_option(label=VENDOR)
    page.get_by_role("button", name="Save vendors and superintendent").click()
    _move(page, "Scope Approval")
    expect(page.locator(".turn-head .stage-name")).to_have_text("Scope Approval")
    page.get_by_role("button", name="Submit scope for approval").click()
    stored = _stored(api, turn["id"], lambda t: t["scope_approval_status"] == "DFO_APPROVAL_NEEDED")
    assert (Decimal(stored["turn_amount"]), stored["scope_approval_status"]) == (AMOUNT, "DFO_APPROVAL_NEEDED")
    assert stored["stage_id"] == api.stage_id("Scope Approval")
    page.evaluate("window.scrollTo(0, 0)")
    manager.screenshot("walkthrough-scope")

    # The DFO approves it in their queue (on a phone).
    dfo = sign_in(demo["DFO_APPROVER"], phone=True)
    dfo.page.get_by_role("link", name="Approvals").click()
    row = dfo.page.locator(f'.queue-item[data-turn="{turn_id}"]')
    expect(row).to_contain_text("$3,850")
    row.scroll_into_view_if_needed()
    dfo.screenshot("walkthrough-approve-phone")
    approve(row)
    expect(dfo.page.get_by_role("status").filter(has_text="approved")).to_contain_text(f"{turn_id} approved")
    assert api.get(f"/api/v1/turns/{turn['id']}")["scope_approval_status"] == "DFO_APPROVED"

    # In Progress asks for the utilities: the refusal says so and leads to them.
    expect(_workflow(page).get_by_text("DFO approver")).to_be_visible()
    _move(page, "In Progress")
    refusal = _workflow(page).get_by_role("alert")
    expect(refusal).to_contain_text("Power, water and gas must all be on")
    manager.screenshot("walkthrough-refusal")
    refusal.get_by_role("link", name="Set the utilities").click()
    expect(page.get_by_label("Power", exact=True)).to_be_focused()
    for utility in ("Power", "Water", "Gas"):
        page.get_by_label(utility, exact=True).select_option(label="On")
    page.get_by_role("button", name="Save utilities").click()
    expect(refusal).to_have_count(0)
    _move(page, "In Progress")
    _move(page, "Final Walk")
    stored = _stored(api, turn["id"], lambda t: t["stage_id"] == api.stage_id("Final Walk"))
    assert stored["stage_id"] == api.stage_id("Final Walk")

    # Complete asks for the final walk and the lock box.
    _move(page, "Complete")
    expect(refusal).to_contain_text("Record the final walk")
    expect(refusal).to_contain_text("Set the lock box")
    refusal.scroll_into_view_if_needed()
    manager.screenshot("walkthrough-complete-refused")
    lock_box = page.locator(".panel", has=page.get_by_role("heading", name="Lock box"))
    lock_box.get_by_text("Set the lock box").click()
    lock_box.get_by_label("New code (leave empty to keep the current one)").fill("4071")
    lock_box.get_by_label("Lock-box location").fill("Back door railing")
    lock_box.get_by_label("Lock-box install date").fill(date.today().isoformat())
    lock_box.get_by_role("button", name="Save lock box").click()
    expect(lock_box.get_by_text("Lock box saved.")).to_be_visible()
    # The box's summary shows the synced turn: edits made from here carry its new version.
    expect(lock_box.locator("dd").first).to_have_text("Back door railing")
    page.get_by_label("Final walk date").fill(date.today().isoformat())
    page.get_by_label("Final walk by").select_option(label="Nora Quill")
    page.get_by_role("button", name="Save dates").click()
    expect(refusal).to_have_count(0)
    _move(page, "Complete")
    stored = _stored(api, turn["id"], lambda t: not t["is_active"])
    assert (stored["is_active"], stored["turn_completion_date"]) == (False, date.today().isoformat())
    assert (stored["lock_box_location"], stored["final_walk_date"]) == ("Back door railing", date.today().isoformat())

    # Sent to leasing.
    leasing = page.get_by_role("region", name="Leasing")
    leasing.get_by_role("button", name="Send to leasing").click()
    leasing.get_by_role("button", name="Yes, send to leasing").click()
    expect(leasing).to_contain_text("Sent to leasing")
    stored = _stored(api, turn["id"], lambda t: bool(t["sent_to_leasing_by"]))
    assert stored["sent_to_leasing_date"] == date.today().isoformat()
    leasing.scroll_into_view_if_needed()
    manager.screenshot("walkthrough-leasing")

    # Found again among the completed turns, reopened with a reason, completed again.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Completed").click()
    page.get_by_role("searchbox", name="Search").fill(turn_id)
    rows = page.locator(".data-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(VENDOR)
    manager.screenshot("walkthrough-completed")
    rows.get_by_role("link").click()
    page.get_by_label("Reason for reopening").fill("Touch-up paint in the hall")
    manager.screenshot("walkthrough-reopen")
    page.get_by_role("button", name="Reopen turn").click()
    expect(page.get_by_role("button", name="Reopen turn")).to_have_count(0)
    stored = _stored(api, turn["id"], lambda t: t["is_active"])
    assert (stored["is_active"], stored["stage_id"]) == (True, api.stage_id("Final Walk"))
    _move(page, "Complete")
    stored = _stored(api, turn["id"], lambda t: not t["is_active"])
    assert stored["turn_completion_date"] == date.today().isoformat()
    audit = api.items("/api/v1/audit", table_name="turns", record_id=turn["id"], action="UPDATE")
    reopens = [row for row in audit if (row["context"] or "").startswith("reopen")]
    assert [r["context"] for r in reopens] == ["reopen: Touch-up paint in the hall"]

    # The completed list as a spreadsheet, with addresses and company names.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Completed").click()
    exports = page.get_by_role("group", name="Export every finished turn:")
    with page.expect_download() as download:
        exports.get_by_role("button", name="CSV").click()
    expect(exports.get_by_role("status")).to_contain_text("Downloaded")
    manager.screenshot("walkthrough-export")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    records = list(csv.DictReader(io.StringIO(text)))
    [ours] = [r for r in records if r.get("Turn ID") == turn_id]
    assert ours["Property"] == f"{HOME['street']}, {HOME['city']}, GA", ours
    assert ours["Vendor"] == VENDOR, ours
    assert turn["id"] not in text and stored["vendor_id"] not in text and stored["property_id"] not in text
    assert other_id not in {r.get("Turn ID") for r in records}, "the other home's turn is open, not finished"
