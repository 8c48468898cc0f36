"""Writes that change nothing, and links that would run script.

A PATCH naming only the version (or ``{}`` with ``If-Match``), or sending back the values it
read, is a no-op on every resource: 200 with the current row, the same version, no audit row.
A stale version is still a conflict. ``scope_photos_link`` takes http(s) links only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

import httpx
import pytest

from tests.fixtures.api import PROBLEM, refused, token
from tests.fixtures.factory import Factory

SETTINGS_ID = UUID("00000000-0000-0000-0000-000000000005")


@dataclass(frozen=True)
class Target:
    url: str
    table: str
    unchanged: dict[str, object]  # a field sent back with the value it has


TARGETS: dict[str, Callable[[Factory], Target]] = {
    "turn": lambda f: Target("/api/v1/turns/{}", "turns", {"wo_number": "WO-7"}),
    "property": lambda f: Target("/api/v1/properties/{}", "properties", {"name": "Same Home"}),
    "user": lambda f: Target("/api/v1/users/{}", "users", {"phone": "555-0199"}),
    "vendor": lambda f: Target("/api/v1/vendors/{}", "vendors", {"contact_name": "Pat"}),
    "utility provider": lambda f: Target("/api/v1/utility-providers/{}", "utility_providers", {"name": "Same Power"}),
    "stage": lambda f: Target("/api/v1/turn-stages/{}", "turn_stages", {"color": "#123456"}),
    "workflow settings": lambda f: Target(
        "/api/v1/workflow/settings", "workflow_settings", {"allow_self_approval": False}
    ),
}


def _record(factory: Factory, table: str) -> UUID:
    if table == "turns":
        return factory.turn(factory.property(), wo_number="WO-7")
    if table == "properties":
        return factory.property(name="Same Home")
    if table == "users":
        return factory.user("INSPECTOR", phone="555-0199").id
    if table == "vendors":
        return factory.vendor(contact_name="Pat")
    if table == "utility_providers":
        return factory.insert("utility_providers", name="Same Power", utility_type="POWER")
    if table == "turn_stages":
        stage = factory.stage_id(4)
        factory.query("UPDATE turn_stages SET color = '#123456' WHERE id = %s RETURNING id", (stage,))
        return stage
    return SETTINGS_ID


def _state(factory: Factory, table: str, record: UUID) -> tuple[object, ...]:
    (row,) = factory.query(
        f"SELECT version, updated_at, (SELECT count(*) FROM audit_logs WHERE record_id = %s)"
        f" FROM {table} WHERE id = %s",
        (record, record),
    )
    return row


@pytest.mark.parametrize("name", TARGETS)
def test_a_write_that_changes_nothing_is_a_no_op(client: httpx.Client, factory: Factory, name: str) -> None:
    target = TARGETS[name](factory)
    record = _record(factory, target.table)
    url = target.url.format(record)
    admin = token(client, factory.user("SUPER_ADMIN"))
    before = _state(factory, target.table, record)
    version = int(before[0])  # type: ignore[call-overload]
    for headers, body in (
        (admin, {"version": version}),
        (admin | {"If-Match": f'"{version}"'}, {}),
        (admin, {"version": version, **target.unchanged}),
    ):
        response = client.patch(url, headers=headers, json=body)
        assert response.status_code == 200, (body, response.text)
        assert response.json()["version"] == version
        assert _state(factory, target.table, record) == before, body
    assert client.patch(url, headers=admin, json={"version": version + 1}).status_code == 409
    stale = client.patch(url, headers=admin | {"If-Match": f'"{version + 1}"'}, json={})
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM
    assert _state(factory, target.table, record) == before


def test_own_unchanged_name_and_lock_box_are_no_ops(client: httpx.Client, factory: Factory) -> None:
    """Other paths through the same rule: a user's own record, a workflow action."""
    manager = factory.user("PROPERTY_MANAGER", phone="555-0100")
    turn = factory.turn(factory.property(manager), lock_box_location="Shed")
    headers = token(client, manager)
    mine = _state(factory, "users", manager.id)
    same = client.patch(f"/api/v1/users/{manager.id}", headers=headers, json={"phone": "555-0100", "version": mine[0]})
    assert same.status_code == 200 and same.json()["version"] == mine[0]
    assert _state(factory, "users", manager.id) == mine
    boxed = _state(factory, "turns", turn)
    url = f"/api/v1/turns/{turn}/lock-box"
    for body in ({"location": "Shed", "version": 1}, {"version": 1}):
        response = client.put(url, headers=headers, json=body)
        assert response.status_code == 200 and response.json()["version"] == 1, response.text
    assert _state(factory, "turns", turn) == boxed
    changed = client.put(url, headers=headers, json={"location": "Porch", "version": 1})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert _state(factory, "turns", turn)[2] == boxed[2] + 1  # type: ignore[operator]


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox",
        "//evil.example/photos",
        "https:/photos",
        "ftp://photos.example/1",
    ],
)
def test_photo_links_are_http_or_https(client: httpx.Client, factory: Factory, link: str) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    home = factory.property(manager)
    turn = factory.turn(home)
    headers = token(client, manager)
    bad = client.patch(f"/api/v1/turns/{turn}", headers=headers, json={"scope_photos_link": link, "version": 1})
    refused(bad, 422)
    created = client.post(
        "/api/v1/turns",
        headers=headers,
        json={"turn_id": f"T-LINK-{turn}", "property_id": str(home), "scope_photos_link": link},
    )
    refused(created, 422)
    assert factory.query("SELECT scope_photos_link, version FROM turns WHERE id = %s", (turn,)) == [(None, 1)]
    assert factory.query("SELECT count(*) FROM turns WHERE turn_id = %s", (f"T-LINK-{turn}",)) == [(0,)]


def test_photo_link_over_https_is_kept(client: httpx.Client, factory: Factory) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    turn = factory.turn(factory.property(manager))
    link = "https://photos.example.com/albums/7?x=1"
    done = client.patch(
        f"/api/v1/turns/{turn}", headers=token(client, manager), json={"scope_photos_link": link, "version": 1}
    )
    assert done.status_code == 200, done.text
    assert done.json()["scope_photos_link"] == link
    assert factory.query("SELECT scope_photos_link FROM turns WHERE id = %s", (turn,)) == [(link,)]
