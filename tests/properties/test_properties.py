from typing import Any

import httpx
import pytest

from tests.fixtures.api import token
from tests.fixtures.factory import Factory


@pytest.fixture
def portfolio(factory: Factory) -> dict[str, Any]:
    manager, other_manager = factory.user("PROPERTY_MANAGER"), factory.user("PROPERTY_MANAGER")
    senior = factory.user("SR_PROPERTY_MANAGER")
    mine = factory.property(manager, senior, market="Phoenix")
    theirs = factory.property(other_manager, None, market="Dallas")
    return {"manager": manager, "other": other_manager, "senior": senior, "mine": mine, "theirs": theirs}


def test_manager_lists_only_their_portfolio(client: httpx.Client, portfolio: dict[str, Any]) -> None:
    headers = token(client, portfolio["manager"])
    body = client.get("/api/v1/properties", headers=headers).json()
    assert [p["id"] for p in body["items"]] == [str(portfolio["mine"])]
    assert body["next_cursor"] is None
    assert client.get(f"/api/v1/properties/{portfolio['theirs']}", headers=headers).status_code == 404


def test_get_returns_etag_and_patch_checks_version(
    client: httpx.Client, factory: Factory, portfolio: dict[str, Any]
) -> None:
    headers = token(client, portfolio["manager"])
    url = f"/api/v1/properties/{portfolio['mine']}"
    read = client.get(url, headers=headers)
    assert read.headers["etag"] == '"1"'
    ok = client.patch(url, headers={**headers, "If-Match": '"1"'}, json={"name": "Renamed"})
    assert ok.status_code == 200
    assert ok.json()["name"] == "Renamed" and ok.json()["version"] == 2
    stale = client.patch(url, headers={**headers, "If-Match": '"1"'}, json={"name": "Lost update"})
    assert stale.status_code == 412
    assert stale.json()["current"]["name"] == "Renamed"
    stale_body = client.patch(url, headers=headers, json={"name": "Lost update", "version": 1})
    assert stale_body.status_code == 409
    assert stale_body.json()["current"]["version"] == 2
    missing = client.patch(url, headers=headers, json={"name": "No version"})
    assert missing.status_code == 422
    assert factory.query("SELECT name, version FROM properties WHERE id = %s", (portfolio["mine"],)) == [("Renamed", 2)]
    audit = factory.query(
        "SELECT action::text, changed_fields, old_values->>'name', new_values->>'name', user_id FROM audit_logs"
        " WHERE record_id = %s AND action = 'UPDATE'",
        (portfolio["mine"],),
    )
    assert audit == [
        ("UPDATE", ["name"], f"Test Home {str(audit[0][2]).split()[-1]}", "Renamed", portfolio["manager"].id)
    ]


def test_manager_cannot_reassign_but_senior_can(client: httpx.Client, portfolio: dict[str, Any]) -> None:
    url = f"/api/v1/properties/{portfolio['mine']}"
    manager = token(client, portfolio["manager"])
    denied = client.patch(url, headers=manager, json={"property_manager_id": str(portfolio["other"].id), "version": 1})
    assert denied.status_code == 403
    senior = token(client, portfolio["senior"])
    moved = client.patch(url, headers=senior, json={"property_manager_id": str(portfolio["other"].id), "version": 1})
    assert moved.status_code == 200
    # The manager lost it: now invisible to them.
    assert client.get(url, headers=manager).status_code == 404


def test_create_is_admin_only(client: httpx.Client, factory: Factory, portfolio: dict[str, Any]) -> None:
    payload = {"property_id": "P-NEW-1", "name": "New Home", "street_address": "1 New St", "market": "Tampa"}
    manager = token(client, portfolio["manager"])
    assert client.post("/api/v1/properties", headers=manager, json=payload).status_code == 403
    admin = token(client, factory.user("ADMIN"))
    created = client.post("/api/v1/properties", headers=admin, json=payload)
    assert created.status_code == 201
    assert created.headers["location"] == f"/api/v1/properties/{created.json()['id']}"
    assert created.json()["country"] == "United States"
    duplicate = client.post("/api/v1/properties", headers=admin, json=payload)
    assert duplicate.status_code == 409
    unknown = client.post("/api/v1/properties", headers=admin, json={**payload, "property_id": "P-2", "owner": "x"})
    assert unknown.status_code == 422
    assert factory.query("SELECT count(*) FROM properties WHERE property_id LIKE 'P-NEW%%'") == [(1,)]


def test_vendor_sees_only_fields_it_needs(client: httpx.Client, factory: Factory, portfolio: dict[str, Any]) -> None:
    vendor = factory.user("VENDOR")
    factory.turn(portfolio["mine"], vendor_id=vendor.vendor_id)
    headers = token(client, vendor)
    listed = client.get("/api/v1/properties", headers=headers).json()["items"]
    assert [p["id"] for p in listed] == [str(portfolio["mine"])]
    assert "ownership_status" not in listed[0] and "street_address" in listed[0]
    assert (
        client.patch(
            f"/api/v1/properties/{portfolio['mine']}", headers=headers, json={"name": "x", "version": 1}
        ).status_code
        == 403
    )


def test_pagination_walks_every_row_once(client: httpx.Client, factory: Factory) -> None:
    admin = factory.user("ADMIN")
    created = {str(factory.property(None, None)) for _ in range(7)}
    headers = token(client, admin)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3, "sort": "-created_at"}
        if cursor:
            params["cursor"] = cursor
        body = client.get("/api/v1/properties", headers=headers, params=params).json()
        seen += [p["id"] for p in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert set(seen) == created and len(seen) == 7
    bad = client.get("/api/v1/properties", headers=headers, params={"cursor": "garbage!", "sort": "name"})
    assert bad.status_code == 400
    assert client.get("/api/v1/properties", headers=headers, params={"sort": "password"}).status_code == 400


def test_deactivate_and_filter(client: httpx.Client, factory: Factory, portfolio: dict[str, Any]) -> None:
    admin = token(client, factory.user("ADMIN"))
    url = f"/api/v1/properties/{portfolio['theirs']}"
    assert (
        client.post(f"{url}/deactivate", headers=token(client, portfolio["other"]), json={"version": 1}).status_code
        == 403
    )
    done = client.post(f"{url}/deactivate", headers=admin, json={"version": 1})
    assert done.status_code == 200 and done.json()["is_active"] is False
    active = client.get("/api/v1/properties", headers=admin, params={"active": "true"}).json()["items"]
    assert str(portfolio["theirs"]) not in [p["id"] for p in active]
    inactive = client.get("/api/v1/properties", headers=admin, params={"active": "false"}).json()["items"]
    assert [p["id"] for p in inactive] == [str(portfolio["theirs"])]


def test_filtering_on_a_column_the_role_cannot_read_is_refused(client: httpx.Client, factory: Factory) -> None:
    vendor = factory.vendor()
    home = factory.property(None, None, move_out_date="2026-03-10")
    factory.turn(home, vendor_id=vendor)
    headers = token(client, factory.user("VENDOR", vendor_id=vendor))
    assert len(client.get("/api/v1/properties", headers=headers).json()["items"]) == 1
    for params in ({"move_out_from": "2026-03-01"}, {"move_out_to": "2026-03-16"}):
        refused = client.get("/api/v1/properties", params=params, headers=headers)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
    exported = client.get("/api/v1/exports/properties.csv", params={"move_out_from": "2026-03-01"}, headers=headers)
    assert exported.status_code == 403
