"""The make-ready board in a real browser: who sees which cards, moving a card, live updates."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests.fixtures.web import Person
from tests.web.helpers import ApiUser
from turns.seed.demo import Credential


def _settled(person: Person, expected: set[str]) -> None:
    """Wait until the board shows as many cards as the user has active turns."""
    expect(person.page.get_by_text(f"{len(expected)} of {len(expected)} active turns")).to_be_visible()


def test_each_user_sees_exactly_their_turns(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    everyone = set(api_as(demo["ADMIN"]).active_turns())
    for role, phone in (("PROPERTY_MANAGER", False), ("VENDOR", True)):
        api = api_as(demo[role])
        expected = api.active_turns()
        assert expected and set(expected) < everyone, f"{role} should see some turns, not all"
        person = sign_in(demo[role], phone=phone)
        _settled(person, set(expected))
        assert person.board_turns() == set(expected)
        if role == "VENDOR":
            company = api.get("/api/v1/vendors")["items"][0]["company_name"]
            vendors = person.page.locator(".card dt:text('Vendor') + dd").all_inner_texts()
            assert vendors and set(vendors) == {company}
            person.screenshot("vendor-phone")
        else:
            person.screenshot("board")


def test_a_move_reaches_another_browser_live_and_is_audited(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    turns = api.active_turns()
    turn = next(t for t in turns.values() if t["stage_id"] == api.stage_id("In Progress") and t["vendor_id"])
    final_walk = api.stage_id("Final Walk")
    manager = sign_in(demo["PROPERTY_MANAGER"])
    admin = sign_in(demo["ADMIN"])
    expect(admin.in_column("In Progress", turn["turn_id"])).to_be_visible()

    manager.card(turn["turn_id"]).get_by_label(f"Move {turn['turn_id']} to another stage").select_option("Final Walk")

    # The other browser sees the card in its new column without a reload.
    expect(admin.in_column("Final Walk", turn["turn_id"])).to_be_visible()
    expect(manager.in_column("Final Walk", turn["turn_id"])).to_be_visible()
    stored = api.get(f"/api/v1/turns/{turn['id']}")
    assert stored["stage_id"] == final_walk
    assert stored["version"] == turn["version"] + 1
    audit = api.get("/api/v1/audit", table_name="turns", record_id=turn["id"], action="UPDATE")["items"]
    me = api.get("/api/v1/auth/me")
    assert audit[0]["user_id"] == me["id"]
    assert audit[0]["new_values"]["stage_id"] == final_walk
    assert audit[0]["old_values"]["stage_id"] == turn["stage_id"]


def test_a_blocked_move_is_explained_on_the_card(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    draft = api.stage_id("Draft")
    turn = next(t for t in api.active_turns().values() if t["stage_id"] == draft and not t["turn_amount"])
    manager = sign_in(demo["PROPERTY_MANAGER"])
    card = manager.card(turn["turn_id"])

    card.get_by_label(f"Move {turn['turn_id']} to another stage").select_option("In Progress")

    alert = card.get_by_role("alert")
    expect(alert).to_contain_text("Enter the turn amount before the turn moves on.")
    if turn["vendor_id"] is None:
        expect(alert).to_contain_text("Pick a vendor before work starts.")
    else:
        expect(alert).not_to_contain_text("Pick a vendor")
    expect(alert).not_to_contain_text("turn_amount")
    expect(manager.in_column("Draft", turn["turn_id"])).to_be_visible()
    assert api.get(f"/api/v1/turns/{turn['id']}")["stage_id"] == draft
    card.get_by_role("button", name="Dismiss").click()
    expect(alert).to_have_count(0)


def test_the_board_search_forgives_typos(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    turns = api.active_turns()
    homes = {p["id"]: p for p in api.items("/api/v1/properties")}
    streets = sorted({homes[t["property_id"]]["street_address"].split()[1] for t in turns.values()}, key=len)
    street = streets[-1]  # the longest street name, e.g. "Hickory", searched with a letter left out: "Hikory"
    on_hickory = {t for t, turn in turns.items() if street in homes[turn["property_id"]]["street_address"]}
    assert len(street) >= 5 and len(on_hickory) < len(turns)
    manager = sign_in(demo["PROPERTY_MANAGER"])
    _settled(manager, set(turns))
    manager.page.get_by_label("Search").fill(street[:2] + street[3:])
    expect(manager.page.get_by_text(f"{len(on_hickory)} of {len(turns)} active turns")).to_be_visible()
    assert manager.board_turns() == on_hickory
