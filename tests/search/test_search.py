"""``GET /api/v1/search``: fuzzy matches of ids, names and addresses, only among visible rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest

from tests.fixtures.factory import Factory, User, bearer, login

PROBLEM = "application/problem+json"


@dataclass
class World:
    manager: User
    other_manager: User
    vendor_user: User
    plain_user: User
    admin: User
    vendor: UUID
    maple: UUID  # manager's property on Maple Street
    other_maple: UUID  # other manager's property, also on Maple Street
    turn: UUID  # on maple, assigned to the vendor
    other_turn: UUID  # on other_maple, no vendor


@pytest.fixture
def world(factory: Factory) -> World:
    manager, other = factory.user("PROPERTY_MANAGER"), factory.user("PROPERTY_MANAGER")
    vendor = factory.vendor(company_name="Acme Plumbing LLC", contact_name="Rosa Diaz")
    factory.vendor(company_name="Ace Painting")
    maple = factory.property(manager, street_address="1428 Maple Street", name="Maple Court")
    other_maple = factory.property(other, street_address="77 Maple Street", name="Maple Corner")
    factory.property(manager, street_address="9 Oak Avenue", name="Oak Villa")
    return World(
        manager=manager,
        other_manager=other,
        vendor_user=factory.user("VENDOR", vendor_id=vendor),
        plain_user=factory.user("USER"),
        admin=factory.user("ADMIN"),
        vendor=vendor,
        maple=maple,
        other_maple=other_maple,
        turn=factory.turn(maple, turn_id="TRN-2024-00417", wo_number="WO-55120", vendor_id=vendor),
        other_turn=factory.turn(other_maple, turn_id="TRN-2024-00418", wo_number="WO-55121"),
    )


def search(client: httpx.Client, user: User, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/search", params=params, headers=bearer(login(client, user)))
    client.cookies.clear()
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def hits(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(item["type"], item["id"]) for item in items]


def test_misspelt_street_finds_only_your_portfolio(client: httpx.Client, world: World) -> None:
    items = search(client, world.manager, q="Mapel", types="properties")
    assert hits(items) == [("property", str(world.maple))]
    assert items[0]["label"] == "Maple Court"
    assert items[0]["street_address"] == "1428 Maple Street"
    assert items[0]["match"] == "similar"
    assert items[0]["score"] == pytest.approx(0.5)
    admin = search(client, world.admin, q="Mapel", types="properties")
    assert {i["id"] for i in admin} == {str(world.maple), str(world.other_maple)}


def test_turn_ids_partial_misspelt_exact(client: httpx.Client, world: World) -> None:
    partial = search(client, world.admin, q="2024-0041", types="turns")
    assert {i["id"] for i in partial} == {str(world.turn), str(world.other_turn)}
    misspelt = search(client, world.admin, q="TRN-2024-0417", types="turns")
    assert misspelt[0]["id"] == str(world.turn)
    assert misspelt[0]["turn_id"] == "TRN-2024-00417"
    # An exact id (any case) ranks first, then prefixes, then the merely similar.
    exact = search(client, world.admin, q="trn-2024-00418")
    assert (exact[0]["id"], exact[0]["match"], exact[0]["score"]) == (str(world.other_turn), "exact", 1.0)
    assert (exact[1]["id"], exact[1]["match"]) == (str(world.turn), "similar")
    prefix = search(client, world.admin, q="WO-5512")
    assert sorted((i["match"], i["wo_number"]) for i in prefix) == [("prefix", "WO-55120"), ("prefix", "WO-55121")]
    mine = search(client, world.manager, q="TRN-2024")
    assert hits(mine) == [("turn", str(world.turn))]


def test_vendor_company_with_a_typo(client: httpx.Client, world: World) -> None:
    items = search(client, world.manager, q="Acme Plumbng", types="vendors")
    assert hits(items) == [("vendor", str(world.vendor))]
    assert items[0]["company_name"] == "Acme Plumbing LLC"
    assert items[0]["contact_name"] == "Rosa Diaz"


def test_vendor_user_finds_only_its_own_turns(client: httpx.Client, world: World) -> None:
    items = search(client, world.vendor_user, q="TRN-2024")
    assert hits(items) == [("turn", str(world.turn))]
    assert set(items[0]) == {
        "type",
        "id",
        "label",
        "score",
        "match",
        "turn_id",
        "wo_number",
        "property_id",
        "status",
        "is_active",
    }
    assert hits(search(client, world.vendor_user, q="Maple")) == [("property", str(world.maple))]
    # Its own company only, however close another vendor's name is.
    assert hits(search(client, world.vendor_user, q="Ace Painting", types="vendors")) == []


def test_plain_user_sees_no_homes_or_turns(client: httpx.Client, world: World) -> None:
    assert search(client, world.plain_user, q="Maple") == []
    assert search(client, world.plain_user, q="TRN-2024-00417") == []
    assert hits(search(client, world.plain_user, q="Acme Plumbing")) == [("vendor", str(world.vendor))]


def test_wildcards_are_literal(client: httpx.Client, world: World) -> None:
    assert search(client, world.admin, q="%%%") == []
    assert search(client, world.admin, q="T_N") == []  # unescaped, "%T_N%" would match TRN-...


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "a"},
        {"q": "  a  "},
        {"q": "x" * 101},
        {"q": "Map\x00le"},
        {"q": "Maple", "types": "properties,owners"},
        {"q": "Maple", "types": ","},
        {"q": "Maple", "limit": "0"},
        {"q": "Maple", "limit": "51"},
    ],
)
def test_bad_input_is_422(client: httpx.Client, world: World, params: dict[str, str]) -> None:
    response = client.get("/api/v1/search", params=params, headers=bearer(login(client, world.admin)))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM


def test_signed_out_is_401(client: httpx.Client) -> None:
    response = client.get("/api/v1/search", params={"q": "Maple"})
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
