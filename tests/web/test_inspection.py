"""A move-out inspection on a phone with no signal: the inspector walks the home, marks two
items for work with a photo each while offline, opens the page again still offline, and
once the connection is back every result and photo reaches the server exactly once;
finishing proposes the two scope lines and shows them in the turn's scope. A photo whose
answer is lost on the way back is sent again under the same upload key, and kept once."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from PIL import Image
from playwright.sync_api import Locator, Page, Route, expect

from tests.fixtures.web import Person
from tests.web.helpers import ApiUser
from turns.seed.demo import Credential

UPLOADED_MS = 30_000  # the queue is sent when the browser says it is online, and retried every 3 s


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG")
    return out.getvalue()


def _item(page: Page, area: str, item: str) -> Locator:
    return page.get_by_role("region", name=area, exact=True).locator(f'.inspection-item[data-item="{item}"]')


def _mark(page: Page, area: str, item: str, condition: str) -> Locator:
    found = _item(page, area, item)
    found.get_by_role("button", name=condition, exact=True).click()
    expect(found.get_by_role("button", name=condition, exact=True)).to_have_attribute("aria-pressed", "true")
    return found


def _photo(item: Locator, name: str, colour: tuple[int, int, int]) -> None:
    item.get_by_label("Add photo", exact=False).set_input_files(
        {"name": name, "mimeType": "image/jpeg", "buffer": _jpeg(colour)}
    )
    expect(item.get_by_text("1 photo", exact=True)).to_be_visible()


def _arrived(api: ApiUser, inspection: str, turn: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    detail = api.get(f"/api/v1/inspections/{inspection}")
    photos = [p for p in api.get(f"/api/v1/turns/{turn}/photos") if p["subject"] == "inspection"]
    return detail, photos


def test_an_offline_inspection_arrives_once_and_proposes_its_lines(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["INSPECTOR"])
    turns = api.active_turns()
    turn = str(turns[min(turns)]["id"])
    lines_before = len(api.get(f"/api/v1/turns/{turn}/scope-lines")["items"])
    person = sign_in(demo["INSPECTOR"], phone=True)
    page = person.page
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(f"/#/turns/{turn}")
    page.get_by_role("button", name="Start move-out inspection").click()
    expect(page.get_by_role("heading", level=1, name="Move-out inspection")).to_be_visible()
    expect(page.get_by_text("0 of 38 items checked")).to_be_visible()
    inspection = page.url.rsplit("/", 1)[1]

    for area, item in (("Exterior", "Front door & locks"), ("Exterior", "Siding & trim"), ("Kitchen", "Refrigerator")):
        _mark(page, area, item, "OK")
    expect(page.get_by_text("3 of 38 items checked · all saved")).to_be_visible(timeout=UPLOADED_MS)

    person.context.set_offline(True)
    cabinets = _mark(page, "Kitchen", "Cabinets", "Repair")
    cabinets.get_by_label("Note").fill("Door hinge broken")
    cabinets.get_by_label("Quantity (each)").fill("2")
    cabinets.get_by_label("Quantity (each)").blur()
    _photo(cabinets, "cabinets.jpg", (160, 90, 40))
    toilet = _mark(page, "Bathrooms", "Toilet", "Replace")
    _photo(toilet, "toilet.jpg", (230, 230, 230))
    expect(page.get_by_text("offline: kept on this phone")).to_be_visible()
    assert len(_arrived(api, inspection, turn)[0]["results"]) == 3  # nothing of it reached the server

    page.reload()
    expect(page.get_by_text("5 of 38 items checked")).to_be_visible()
    cabinets = _item(page, "Kitchen", "Cabinets")
    expect(cabinets.get_by_role("button", name="Repair")).to_have_attribute("aria-pressed", "true")
    expect(cabinets.get_by_label("Note")).to_have_value("Door hinge broken")
    expect(cabinets.get_by_text("1 photo", exact=True)).to_be_visible()

    person.context.set_offline(False)
    expect(page.get_by_text("5 of 38 items checked · all saved")).to_be_visible(timeout=UPLOADED_MS)
    detail, photos = _arrived(api, inspection, turn)
    items = {i["id"]: (i["area"], i["item"]) for i in detail["template"]["items"]}
    results = {items[r["template_item_id"]]: r for r in detail["results"]}
    assert {key: (r["condition"], r["note"], r["quantity"]) for key, r in results.items()} == {
        ("Exterior", "Front door & locks"): ("OK", None, "1.00"),
        ("Exterior", "Siding & trim"): ("OK", None, "1.00"),
        ("Kitchen", "Refrigerator"): ("OK", None, "1.00"),
        ("Kitchen", "Cabinets"): ("REPAIR", "Door hinge broken", "2.00"),
        ("Bathrooms", "Toilet"): ("REPLACE", None, "1.00"),
    }
    assert sorted(p["subject_id"] for p in photos) == sorted(
        results[key]["id"] for key in (("Kitchen", "Cabinets"), ("Bathrooms", "Toilet"))
    )
    cabinets.scroll_into_view_if_needed()
    person.screenshot("inspection-phone")

    page.get_by_role("button", name="Finish inspection").click()
    expect(page.get_by_text("Finishing proposes 2 scope lines")).to_be_visible()
    page.get_by_role("button", name="Finish and propose 2 lines").click()
    scope = page.get_by_role("region", name="Scope")
    # The line's description (its photo buttons name it too, for screen readers only).
    expect(scope.get_by_text(re.compile(r"^Kitchen: Cabinets — Door hinge broken"))).to_be_visible()
    expect(scope.get_by_text(re.compile(r"^Bathrooms: Toilet"))).to_be_visible()
    lines = api.get(f"/api/v1/turns/{turn}/scope-lines")["items"]
    assert len(lines) == lines_before + 2
    assert api.get(f"/api/v1/inspections/{inspection}")["status"] == "FINISHED"
    # Nothing was sent twice, before or after finishing.
    assert len(_arrived(api, inspection, turn)[1]) == 2


def test_a_photo_whose_answer_was_lost_is_kept_once(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["INSPECTOR"])
    turns = api.active_turns()
    turn = str(turns[min(turns)]["id"])
    person = sign_in(demo["INSPECTOR"], phone=True)
    page = person.page
    page.goto(f"/#/turns/{turn}")
    page.get_by_role("button", name="Start move-out inspection").click()
    expect(page.get_by_text("0 of 38 items checked")).to_be_visible()
    inspection = page.url.rsplit("/", 1)[1]
    item = _mark(page, "Kitchen", "Cabinets", "Repair")
    expect(page.get_by_text("1 of 38 items checked · all saved")).to_be_visible(timeout=UPLOADED_MS)
    keys: list[str | None] = []

    def lose_the_first_answer(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            route.fetch()  # the server keeps the photo; its answer never reaches the phone
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(re.compile(r"/api/v1/turns/[^/]+/photos\b"), lose_the_first_answer)
    _photo(item, "cabinets.jpg", (160, 90, 40))

    expect(page.get_by_text("1 of 38 items checked · all saved")).to_be_visible(timeout=UPLOADED_MS)
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1], keys
    photos = _arrived(api, inspection, turn)[1]
    assert len(photos) == 1
