import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from tests.fixtures.factory import Factory, User, bearer, login

PROBLEM = "application/problem+json"
NEWEST_FIRST = "SELECT id FROM audit_logs WHERE {} ORDER BY created_at DESC, id DESC"


@dataclass
class Trail:
    admin: User
    manager: User
    other: User
    vendor: User
    mine: UUID
    theirs: UUID
    my_turn: UUID
    their_turn: UUID
    tokens: dict[str, dict[str, str]]


def _headers(client: httpx.Client, user: User) -> dict[str, str]:
    headers = bearer(login(client, user))
    client.cookies.clear()
    return headers


@pytest.fixture
def trail(client: httpx.Client, factory: Factory) -> Trail:
    """Two portfolios with a turn each, and one change by each manager and by the vendor."""
    manager, other = factory.user("PROPERTY_MANAGER"), factory.user("PROPERTY_MANAGER")
    vendor, admin = factory.user("VENDOR"), factory.user("ADMIN")
    mine, theirs = factory.property(manager), factory.property(other)
    my_turn = factory.turn(mine, vendor_id=vendor.vendor_id)
    their_turn = factory.turn(theirs)
    tokens = {name: _headers(client, u) for name, u in (("admin", admin), ("manager", manager), ("other", other))}
    tokens["vendor"] = _headers(client, vendor)
    for who, turn, change in (
        ("manager", my_turn, {"wo_number": "WO-1"}),
        ("other", their_turn, {"wo_number": "WO-2"}),
    ):
        assert client.patch(f"/api/v1/turns/{turn}", headers=tokens[who], json=change | {"version": 1}).is_success
    assert client.patch(
        f"/api/v1/turns/{my_turn}", headers=tokens["vendor"], json={"status": "Painting", "version": 2}
    ).is_success
    return Trail(admin, manager, other, vendor, mine, theirs, my_turn, their_turn, tokens)


def _ids(factory: Factory, where: str, params: Any = None) -> list[str]:
    return [str(r[0]) for r in factory.query(NEWEST_FIRST.format(where), params)]


def _walk(client: httpx.Client, headers: dict[str, str], limit: int = 200, **filters: Any) -> list[dict[str, Any]]:
    """Every page of ``GET /api/v1/audit`` with these filters, in order."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {**filters, "limit": limit}
    while True:
        response = client.get("/api/v1/audit", headers=headers, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        if body["next_cursor"] is None:
            return items
        params["cursor"] = body["next_cursor"]


def _assert_not_found(response: httpx.Response) -> None:
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM


def test_admin_sees_every_row_newest_first(client: httpx.Client, factory: Factory, trail: Trail) -> None:
    items = _walk(client, trail.tokens["admin"])
    assert [i["id"] for i in items] == _ids(factory, "true")
    update = next(i for i in items if i["user_id"] == str(trail.other.id) and i["action"] == "UPDATE")
    assert update["table_name"] == "turns" and update["record_id"] == str(trail.their_turn)
    assert update["changed_fields"] == ["wo_number"]
    assert update["old_values"]["wo_number"] is None and update["new_values"]["wo_number"] == "WO-2"
    assert update["user_email"] == trail.other.email and update["user_role"] == "PROPERTY_MANAGER"
    assert update["ip_address"] == "127.0.0.1" and update["context"] == "api"
    one = client.get(f"/api/v1/audit/{update['id']}", headers=trail.tokens["admin"])
    assert one.status_code == 200 and one.json() == update


def test_manager_sees_own_actions_and_their_portfolio_trail(
    client: httpx.Client, factory: Factory, trail: Trail
) -> None:
    items = _walk(client, trail.tokens["manager"])
    expected = _ids(
        factory,
        "user_id = %(me)s OR turn_id = %(turn)s OR (turn_id IS NULL AND property_id = %(home)s)",
        {"me": trail.manager.id, "turn": trail.my_turn, "home": trail.mine},
    )
    assert [i["id"] for i in items] == expected
    # The vendor's change to the manager's turn is part of the trail; the other portfolio is not.
    assert any(i["user_id"] == str(trail.vendor.id) for i in items)
    assert {i["property_id"] for i in items if i["property_id"]} == {str(trail.mine)}
    their_rows = _ids(factory, "turn_id = %s", (trail.their_turn,))
    assert len(their_rows) >= 2  # CREATE and the other manager's UPDATE
    for audit_id in their_rows:
        _assert_not_found(client.get(f"/api/v1/audit/{audit_id}", headers=trail.tokens["manager"]))
    assert client.get(f"/api/v1/audit/{expected[0]}", headers=trail.tokens["manager"]).status_code == 200


def test_vendor_sees_only_own_actions_in_the_columns_it_may_read(
    client: httpx.Client, factory: Factory, trail: Trail
) -> None:
    items = _walk(client, trail.tokens["vendor"])
    assert [i["id"] for i in items] == _ids(factory, "user_id = %s", (trail.vendor.id,))
    change = next(i for i in items if i["action"] == "UPDATE" and i["table_name"] == "turns")
    assert change["changed_fields"] == ["status"] and change["new_values"]["status"] == "Painting"
    # The same row as an admin sees it holds the amounts; the vendor's copy does not.
    full = client.get(f"/api/v1/audit/{change['id']}", headers=trail.tokens["admin"]).json()
    assert full["new_values"]["turn_amount"] == 2500
    assert "turn_amount" not in change["new_values"] and "approved_turn_amount" not in change["old_values"]
    for audit_id in _ids(factory, "user_id = %s", (trail.manager.id,)):
        _assert_not_found(client.get(f"/api/v1/audit/{audit_id}", headers=trail.tokens["vendor"]))
    user = factory.user("USER")
    assert [i["id"] for i in _walk(client, _headers(client, user))] == _ids(factory, "user_id = %s", (user.id,))


def test_filters(client: httpx.Client, factory: Factory, trail: Trail) -> None:
    admin = trail.tokens["admin"]
    cases: list[tuple[dict[str, Any], str, Any]] = [
        ({"turn_id": trail.my_turn}, "turn_id = %s", (trail.my_turn,)),
        ({"property_id": trail.theirs}, "property_id = %s", (trail.theirs,)),
        ({"vendor_id": trail.vendor.vendor_id}, "vendor_id = %s", (trail.vendor.vendor_id,)),
        ({"user_id": trail.other.id}, "user_id = %s", (trail.other.id,)),
        ({"table_name": "properties"}, "table_name = 'properties'", None),
        ({"action": "UPDATE", "table_name": "turns"}, "action = 'UPDATE' AND table_name = 'turns'", None),
        (
            {"table_name": "turns", "record_id": trail.my_turn},
            "table_name = 'turns' AND record_id = %s",
            (trail.my_turn,),
        ),
    ]
    for filters, where, params in cases:
        expected = _ids(factory, where, params)
        assert expected, filters
        assert [i["id"] for i in _walk(client, admin, **filters)] == expected, filters
    # A window in time: from the vendor's change on, to just before it.
    changed_at = factory.query("SELECT max(created_at) FROM audit_logs WHERE user_id = %s", (trail.vendor.id,))[0][0]
    since = _walk(client, admin, created_from=changed_at.isoformat())
    assert [i["id"] for i in since] == _ids(factory, "created_at >= %s", (changed_at,))
    before = _walk(client, admin, created_to=(changed_at - timedelta(microseconds=1)).isoformat())
    assert [i["id"] for i in before] == _ids(factory, "created_at < %s", (changed_at,))
    assert {i["id"] for i in since}.isdisjoint(i["id"] for i in before)
    # Filters narrow what RLS allows, never widen it.
    assert _walk(client, trail.tokens["manager"], turn_id=trail.their_turn) == []


def test_pages_are_stable_while_rows_are_added(client: httpx.Client, factory: Factory, trail: Trail) -> None:
    admin = trail.tokens["admin"]
    expected = _ids(factory, "true")
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 4}
    while True:
        body = client.get("/api/v1/audit", headers=admin, params=params).json()
        assert len(body["items"]) <= 4
        seen += [i["id"] for i in body["items"]]
        factory.property()  # a newer row on every page: never shown, nothing skipped or repeated
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert seen == expected


BAD_FILTERS: list[dict[str, Any]] = [
    {"action": "TRUNCATE"},
    {"turn_id": "not-a-uuid"},
    {"created_from": "last tuesday"},
    {"table_name": "x" * 101},
    {"table_name": "turns\x00"},
    {"limit": 0},
    {"limit": 201},
    {"sort": "user_email"},
]


def test_bad_requests_are_problems(client: httpx.Client, factory: Factory) -> None:
    admin = _headers(client, factory.user("ADMIN"))
    for params in BAD_FILTERS:
        response = client.get("/api/v1/audit", headers=admin, params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["errors"]
    bad = client.get("/api/v1/audit", headers=admin, params={"cursor": "garbage!"})
    assert bad.status_code == 400 and bad.headers["content-type"] == PROBLEM
    _assert_not_found(client.get("/api/v1/audit/00000000-0000-0000-0000-0000000000ff", headers=admin))
    assert client.get("/api/v1/audit/not-a-uuid", headers=admin).status_code == 422
    anonymous = client.get("/api/v1/audit")
    assert anonymous.status_code == 401 and anonymous.headers["content-type"] == PROBLEM


def test_lock_box_codes_never_appear(client: httpx.Client, factory: Factory, trail: Trail) -> None:
    manager = trail.tokens["manager"]
    version = client.get(f"/api/v1/turns/{trail.my_turn}", headers=manager).json()["version"]
    changed = client.put(
        f"/api/v1/turns/{trail.my_turn}/lock-box", headers=manager, json={"code": "KEY-Z9", "version": version}
    )
    assert changed.status_code == 200
    assert client.post(f"/api/v1/turns/{trail.my_turn}/lock-box/reveal", headers=manager).json() == {"code": "KEY-Z9"}
    for who in ("admin", "manager"):
        response = client.get("/api/v1/audit", headers=trail.tokens[who], params={"turn_id": str(trail.my_turn)})
        items = response.json()["items"]
        assert "KEY-Z9" not in response.text
        values = json.dumps([(i["old_values"], i["new_values"], i["metadata"]) for i in items])
        assert "KQ4321" not in values and "redacted" not in values  # the factory's code, or its placeholder
        setting = next(i for i in items if i["changed_fields"] == ["primary_lock_box_code"])
        assert "primary_lock_box_code" not in setting["new_values"] | setting["old_values"]
        reveal = next(i for i in items if i["action"] == "VIEW")
        assert reveal["metadata"] == {"field": "primary_lock_box_code"} and reveal["user_id"] == str(trail.manager.id)
