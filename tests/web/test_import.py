"""The Import page in a real browser: a manager uploads move-outs, sees every row checked,
imports them and finds the new turns on the board; a file with problems shows them by row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import expect

from tests.fixtures.web import Person
from tests.web.helpers import ApiUser
from turns.seed.demo import Credential


def test_manager_imports_move_outs_and_sees_them_on_the_board(
    sign_in: Callable[..., Person],
    api_as: Callable[[Credential], ApiUser],
    demo: dict[str, Credential],
    tmp_path: Path,
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    busy = {t["property_id"] for t in api.active_turns().values()}
    free = [p for p in api.items("/api/v1/properties") if p["id"] not in busy and p["is_active"]][:2]
    assert len(free) == 2, "the demo manager has homes without an open turn"
    move_out, ready = date.today() - timedelta(days=2), date.today() + timedelta(days=12)
    good = tmp_path / "moveouts.csv"
    good.write_text(
        "Property Code,Move-Out Date,Ready By\n"
        + "".join(f"{p['property_id']},{move_out:%m/%d/%Y},{ready:%Y-%m-%d}\n" for p in free)
    )
    expected = {f"{p['property_id']}-{move_out:%y%m%d}" for p in free}

    manager = sign_in(demo["PROPERTY_MANAGER"])
    page = manager.page
    page.get_by_role("link", name="Import move-outs").click()
    expect(page.get_by_role("heading", name="Import", exact=True)).to_be_visible()
    page.get_by_label("Move-outs file (CSV)").set_input_files(good)
    expect(page.get_by_text("2 rows, no problems.")).to_be_visible()
    found = page.locator('.data-table tbody [data-label="Property found"]').all_inner_texts()
    assert sorted(found) == sorted(f"{p['property_id']} \u00b7 {p['street_address']}" for p in free)
    manager.screenshot("import")
    page.get_by_role("button", name="Import 2 turns").click()
    expect(page.get_by_text("Imported 2 turns from moveouts.csv.")).to_be_visible()
    page.get_by_role("link", name="See them on the board").click()
    for turn_id in expected:
        expect(manager.card(turn_id)).to_be_visible()
    assert expected <= set(api.active_turns())

    phone = sign_in(demo["PROPERTY_MANAGER"], phone=True)
    bad = tmp_path / "more-moveouts.csv"
    bad.write_text(
        f"Property Code,Move-Out Date,Ready By\n{free[0]['property_id']},{move_out:%m/%d/%Y},\nP-NOPE,13/40/2025,\n"
    )
    phone.page.goto("/#/import")
    phone.page.get_by_label("Move-outs file (CSV)").set_input_files(bad)
    expect(phone.page.get_by_text("2 rows, 2 with problems")).to_be_visible()
    problems = phone.page.locator(".row-problems li").all_inner_texts()
    assert problems[0].startswith(f"Property {free[0]['property_id']} already has an open turn (")
    assert problems[1:] == [
        "Move-out date: \u201c13/40/2025\u201d is not a date (write it as 2025-03-14 or 03/14/2025)",
        "Unknown property \u201cP-NOPE\u201d: no property you can see has this code",
    ]
    expect(phone.page.get_by_role("button", name="Import 2 turns")).to_be_disabled()
    phone.screenshot("import-phone")
