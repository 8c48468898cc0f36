"""Photos and approving with eyes open, in a real browser: a vendor on a phone adds the after
photo of its line without a connection, the photo waits on the device through a reload and
arrives once when the connection is back, and the manager sees it on the line; an approver
sees the lines and their photos with the total against the thresholds, confirms an approval
that names the amount, and cannot reject without a reason."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from PIL import Image
from playwright.sync_api import FilePayload, Response, expect

from tests.fixtures.web import Person
from tests.web.helpers import ApiUser
from turns.seed.demo import Credential

# Sync reconnects with backoff after the connection is back: allow it that long.
RECONNECT_MS = 40_000


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", (640, 480), colour)
    image.paste((240, 240, 230), (40, 40, 600, 300))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _line(api: ApiUser, turn_id: str, **values: Any) -> dict[str, Any]:
    body = {"trade": "PAINT", "quantity": "1.00", "unit": "lot", **values}
    return api.send("POST", f"/api/v1/turns/{turn_id}/scope-lines", body)  # type: ignore[no-any-return]


def _photos(api: ApiUser, turn_id: str) -> list[dict[str, Any]]:
    return api.get(f"/api/v1/turns/{turn_id}/photos")  # type: ignore[no-any-return]


def _vendor_turn(manager: ApiUser, vendor: ApiUser) -> dict[str, Any]:
    """A turn of the manager's that the vendor's company works on."""
    company = vendor.get("/api/v1/auth/me")["vendor_id"]
    mine = manager.active_turns()
    shared = sorted(set(mine) & set(vendor.active_turns()))
    if shared:
        return mine[shared[0]]
    turn = sorted(mine.values(), key=lambda t: t["turn_id"])[0]
    return manager.send("PATCH", f"/api/v1/turns/{turn['id']}", {"vendor_id": company, "version": turn["version"]})  # type: ignore[no-any-return]


def test_a_vendor_adds_an_after_photo_offline_and_it_arrives_once(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    manager_api = api_as(demo["PROPERTY_MANAGER"])
    vendor_api = api_as(demo["VENDOR"])
    turn = _vendor_turn(manager_api, vendor_api)
    company = vendor_api.get("/api/v1/auth/me")["vendor_id"]
    line = _line(manager_api, turn["id"], description="Patch and paint hallway", unit_cost="480.00", vendor_id=company)
    before = len(_photos(manager_api, turn["id"]))

    vendor = sign_in(demo["VENDOR"], phone=True)
    page = vendor.page
    uploads: list[int] = []

    def answered(response: Response) -> None:  # what reached the server; offline attempts do not
        if response.request.method == "POST" and f"/api/v1/turns/{turn['id']}/photos" in response.url:
            uploads.append(response.status)

    page.on("response", answered)
    page.goto(f"/#/turns/{turn['id']}")
    row = page.locator("section.scope").get_by_role("row").filter(has_text="Patch and paint hallway")
    expect(row).to_be_visible()
    # A vendor adds the after photos of its lines only.
    expect(row.get_by_text("Add before photo")).to_have_count(0)

    vendor.context.set_offline(True)
    row.get_by_label("Add after photo of Patch and paint hallway").set_input_files(
        files=FilePayload(name="hallway.jpg", mimeType="image/jpeg", buffer=_jpeg((90, 120, 160)))
    )
    expect(row.get_by_role("status")).to_have_text("1 photo kept on this device: uploaded when the connection is back.")
    # Kept on the device, not in memory: a reload without a connection still holds it.
    page.reload()
    photos = page.locator("section.photos")
    expect(photos.get_by_role("status")).to_have_text(
        "1 photo kept on this device: uploaded when the connection is back."
    )
    assert len(_photos(manager_api, turn["id"])) == before

    vendor.context.set_offline(False)

    thumb = row.get_by_role("button", name="Patch and paint hallway (after)")
    expect(thumb.get_by_role("img")).to_be_visible(timeout=RECONNECT_MS)
    expect(photos.get_by_text("photo kept on this device")).to_have_count(0)
    expect(photos.get_by_text("Uploading")).to_have_count(0)
    page.wait_for_timeout(6_000)  # a retry round of the queue: nothing is sent again
    [photo] = [p for p in _photos(manager_api, turn["id"]) if p["subject_id"] == line["id"]]
    assert (photo["subject"], photo["phase"], photo["caption"]) == (
        "scope_line",
        "after",
        "Patch and paint hallway (after)",
    )
    assert photo["created_by"] == vendor_api.get("/api/v1/auth/me")["id"]
    assert len(_photos(manager_api, turn["id"])) == before + 1
    assert uploads == [201]
    row.scroll_into_view_if_needed()
    vendor.screenshot("photos-phone")

    manager = sign_in(demo["PROPERTY_MANAGER"])
    manager.page.goto(f"/#/turns/{turn['id']}")
    line_row = manager.page.locator("section.scope").get_by_role("row").filter(has_text="Patch and paint hallway")
    thumb = line_row.get_by_role("button", name="Patch and paint hallway (after)")
    expect(thumb.get_by_role("img")).to_be_visible()
    expect(thumb).to_contain_text("After")
    expect(line_row.get_by_text("Add before photo")).to_be_visible()
    thumb.click()
    view = manager.page.get_by_role("dialog", name="Patch and paint hallway (after)")
    expect(view).to_contain_text("After the work")
    expect(view.get_by_role("img")).to_have_js_property("complete", True)
    assert view.get_by_role("img").evaluate("img => img.naturalWidth") == 640
    # Only whoever added it (or an admin) removes it.
    expect(view.get_by_role("button", name="Remove photo")).to_have_count(0)


def _scope_for_approval(manager: ApiUser) -> tuple[dict[str, Any], Decimal, Decimal]:
    """A pending scope of the manager's written as two lines above the HO threshold, with a
    before photo of one line, submitted; returns it, its total and the HO threshold."""
    settings = manager.get("/api/v1/workflow/settings")
    ho = Decimal(settings["ho_approval_threshold"])
    turn = next(
        t
        for t in manager.active_turns().values()
        if t["scope_approval_status"] == "PENDING" and not manager.get(f"/api/v1/turns/{t['id']}/scope-lines")["items"]
    )
    floor = _line(manager, turn["id"], trade="FLOORING", description="LVP in living areas", unit_cost=str(ho))
    _line(manager, turn["id"], description="Repaint bedrooms", unit_cost="2400.00")
    response = manager.http.post(
        f"/api/v1/turns/{turn['id']}/photos",
        params={"subject": "scope_line", "subject_id": floor["id"], "phase": "before", "caption": "Warped planks"},
        content=_jpeg((150, 110, 70)),
        headers={"content-type": "image/jpeg"},
    )
    assert response.status_code == 201, response.text
    stored = manager.get(f"/api/v1/turns/{turn['id']}")
    manager.send("POST", f"/api/v1/turns/{turn['id']}/scope/submit", {"version": stored["version"]})
    return turn, ho + Decimal("2400.00") + Decimal(stored["change_order_amount"] or 0), ho


def test_an_approver_sees_the_lines_against_the_thresholds_and_confirms(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    manager = api_as(demo["PROPERTY_MANAGER"])
    turn, total, ho = _scope_for_approval(manager)
    dfo = sign_in(demo["DFO_APPROVER"])
    dfo.page.get_by_role("link", name="Approvals").click()
    row = dfo.page.locator(f'.queue-item[data-turn="{turn["turn_id"]}"]')
    expect(row.locator(".threshold-note")).to_have_text(
        f"${total:,.0f} — above the HO threshold of ${ho:,.0f}: the HO approves too"
    )
    expect(row.get_by_role("table")).to_contain_text("LVP in living areas")
    expect(row.get_by_role("table")).to_contain_text(f"${total - Decimal(turn['change_order_amount'] or 0):,.2f}")
    expect(row.get_by_role("button", name="Warped planks")).to_contain_text("Before")
    row.get_by_text(f"History of {turn['turn_id']}").click()
    expect(row.get_by_role("heading", name="Audit trail")).to_be_visible()

    row.get_by_role("button", name="Approve", exact=True).click()
    confirm = dfo.page.get_by_role("dialog", name=f"Approve ${total:,.0f} for {turn['turn_id']}?")
    expect(confirm).to_contain_text("the HO approves too")
    row.scroll_into_view_if_needed()
    dfo.screenshot("approval-eyes-open")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_have_count(0)
    assert manager.get(f"/api/v1/turns/{turn['id']}")["scope_approval_status"] == "DFO_APPROVAL_NEEDED"

    row.get_by_role("button", name="Approve", exact=True).click()
    confirm.get_by_role("button", name=f"Approve ${total:,.0f}").click()
    expect(dfo.page.get_by_role("status").filter(has_text="approved")).to_have_text(
        f"{turn['turn_id']} approved: it now waits for the HO approver."
    )
    assert manager.get(f"/api/v1/turns/{turn['id']}")["scope_approval_status"] == "HO_APPROVAL_NEEDED"

    # The HO approver, on the turn page: the total against the thresholds, and no rejection
    # without a reason.
    ho_approver = sign_in(demo["HO_APPROVER"])
    ho_approver.page.goto(f"/#/turns/{turn['id']}")
    decision = ho_approver.page.get_by_role("form", name="Decide the scope")
    expect(ho_approver.page.locator(".threshold-note")).to_contain_text("the HO approves too")
    expect(decision.get_by_role("button", name="Reject scope")).to_be_disabled()
    decision.get_by_label("Reason for rejecting").fill("Flooring needs a second bid")
    expect(decision.get_by_role("button", name="Reject scope")).to_be_enabled()
    decision.get_by_role("button", name="Reject scope").click()
    expect(ho_approver.page.get_by_text("Flooring needs a second bid")).to_be_visible()
    expect(ho_approver.page.get_by_text("Waiting to be sent")).to_have_count(0, timeout=RECONNECT_MS)
    stored = manager.get(f"/api/v1/turns/{turn['id']}")
    assert (stored["scope_approval_status"], stored["reject_reason"]) == ("REJECTED", "Flooring needs a second bid")
