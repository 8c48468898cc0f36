"""A template's checklist saved whole (PUT …/items): kept items renamed and reordered, new ones
added, removed ones gone, all in one transaction; a checklist read before someone else's
change is refused with the template as it is now, and a recorded item never goes."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx
import pytest

from tests.fixtures.api import refused, token
from tests.fixtures.factory import Factory

BODY = {
    "name": "Duplex",
    "kind": "OTHER",
    "items": [
        {"area": "Kitchen", "item": "Sink", "trade": "PLUMBING"},
        {"area": "Kitchen", "item": "Range", "trade": "APPLIANCES"},
        {"area": "Bedroom", "item": "Carpet", "trade": "FLOORING", "unit": "sq ft"},
    ],
}


def _kept(row: dict[str, Any], **changes: Any) -> dict[str, Any]:
    fields = ("id", "version", "area", "item", "trade", "unit")
    return {name: row[name] for name in fields} | changes


def _walk(template: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    return [(i["area"], i["item"], i["unit"], i["position"]) for i in template["items"]]


@pytest.fixture
def admin(client: httpx.Client, factory: Factory) -> dict[str, str]:
    return token(client, factory.user("ADMIN"))


@pytest.fixture
def template(client: httpx.Client, admin: dict[str, str]) -> dict[str, Any]:
    made = client.post("/api/v1/inspection-templates", headers=admin, json=BODY)
    assert made.status_code == 201, made.text
    return dict(made.json())


def test_the_checklist_is_saved_whole(client: httpx.Client, admin: dict[str, str], template: dict[str, Any]) -> None:
    sink, range_, carpet = template["items"]
    path = f"/api/v1/inspection-templates/{template['id']}/items"
    body = {
        "items": [
            _kept(carpet, area="Primary bedroom"),
            {"area": "Primary bedroom", "item": "Closet doors", "trade": "GENERAL"},
            _kept(range_),
            _kept(sink, item="Sink & faucet"),
        ],
        "removed": [],
    }
    saved = client.put(path, headers=admin, json=body)
    assert saved.status_code == 200, saved.text
    assert _walk(saved.json()) == [
        ("Primary bedroom", "Carpet", "sq ft", 0),
        ("Primary bedroom", "Closet doors", "each", 10),
        ("Kitchen", "Range", "each", 20),
        ("Kitchen", "Sink & faucet", "each", 30),
    ]
    versions = {i["item"]: i["version"] for i in saved.json()["items"]}
    assert (versions["Carpet"], versions["Range"], versions["Sink & faucet"]) == (2, 2, 2)

    now = saved.json()["items"]
    fewer = {
        "items": [_kept(i) for i in now[:2]],
        "removed": [{"id": i["id"], "version": i["version"]} for i in now[2:]],
    }
    assert _walk(client.put(path, headers=admin, json=fewer).json()) == _walk(saved.json())[:2]
    assert _walk(client.get(f"/api/v1/inspection-templates/{template['id']}", headers=admin).json()) == [
        ("Primary bedroom", "Carpet", "sq ft", 0),
        ("Primary bedroom", "Closet doors", "each", 10),
    ]


def test_a_checklist_read_before_a_change_is_refused(
    client: httpx.Client, admin: dict[str, str], template: dict[str, Any], factory: Factory
) -> None:
    path = f"/api/v1/inspection-templates/{template['id']}/items"
    read = [_kept(i) for i in template["items"]]
    added = client.post(path, headers=admin, json={"area": "Hall", "item": "Smoke alarm", "trade": "ELECTRICAL"})
    assert added.status_code == 201, added.text
    # The list leaves out the item added since: it is not dropped unseen.
    stale = refused(client.put(path, headers=admin, json={"items": read[::-1]}), 409).json()
    assert "changed since you read it" in stale["detail"]
    assert [i["item"] for i in stale["current"]["items"]] == ["Sink", "Range", "Carpet", "Smoke alarm"]
    # An item changed since it was read.
    sink = template["items"][0]
    renamed = client.patch(
        f"/api/v1/inspection-template-items/{sink['id']}", headers=admin, json={"item": "Basin", "version": 1}
    )
    assert renamed.status_code == 200, renamed.text
    current = stale["current"]["items"]
    old_sink = [_kept(current[0], version=1), *(_kept(i) for i in current[1:])]
    refused(client.put(path, headers=admin, json={"items": old_sink}), 409)

    for who in ("PROPERTY_MANAGER", "INSPECTOR", "DFO_APPROVER"):
        refused(client.put(path, headers=token(client, factory.user(who)), json={"items": read}), 403)
    now = client.get(f"/api/v1/inspection-templates/{template['id']}", headers=admin).json()
    assert [(i["item"], i["position"]) for i in now["items"]] == [
        ("Basin", 0),
        ("Range", 10),
        ("Carpet", 20),
        ("Smoke alarm", 30),
    ]


def test_bad_checklists_say_what_to_fix(client: httpx.Client, admin: dict[str, str], template: dict[str, Any]) -> None:
    path = f"/api/v1/inspection-templates/{template['id']}/items"
    sink, range_, carpet = (_kept(i) for i in template["items"])
    other = client.post("/api/v1/inspection-templates", headers=admin, json=BODY | {"name": "Other"}).json()
    cases = [
        ({"items": [sink, range_, carpet, {"area": "Kitchen", "item": " sink ", "trade": "PLUMBING"}]}, "twice"),
        ({"items": [sink, sink, range_, carpet]}, "listed twice"),
        ({"items": [sink, range_, carpet | {"version": None}]}, "version"),
        ({"items": [sink, range_, carpet, _kept(other["items"][0], item="Faucet")]}, "not on this template"),
        ({"items": [sink, range_, carpet | {"trade": "MAGIC"}]}, "trade"),
        ({"items": [sink, range_, carpet | {"area": "  "}]}, "area"),
        ({"items": [sink, range_, carpet | {"position": 5}]}, "position"),
    ]
    for body, said in cases:
        assert said in str(refused(client.put(path, headers=admin, json=body), 422).json()), body
    refused(client.put(f"/api/v1/inspection-templates/{uuid4()}/items", headers=admin, json={"items": []}), 404)
    unchanged = client.get(f"/api/v1/inspection-templates/{template['id']}", headers=admin).json()
    assert [(i["item"], i["version"]) for i in unchanged["items"]] == [("Sink", 1), ("Range", 1), ("Carpet", 1)]


def test_a_recorded_item_is_not_removed(client: httpx.Client, admin: dict[str, str], factory: Factory) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    turn = factory.turn(factory.property(manager), turn_amount=None)
    templates = client.get("/api/v1/inspection-templates", headers=admin).json()["items"]
    house = next(t for t in templates if t["name"] == "Single-family home")
    inspection = client.post(
        f"/api/v1/turns/{turn}/inspections", headers=admin, json={"template_id": house["id"]}
    ).json()["id"]
    first, *rest = house["items"]
    recorded = client.post(
        f"/api/v1/inspections/{inspection}/results",
        headers=admin,
        json={"template_item_id": first["id"], "condition": "OK"},
    )
    assert recorded.status_code == 201, recorded.text
    body = {"items": [_kept(i) for i in rest[::-1]], "removed": [{"id": first["id"], "version": first["version"]}]}
    problem = refused(client.put(f"/api/v1/inspection-templates/{house['id']}/items", headers=admin, json=body), 409)
    assert problem.json()["detail"] == (
        f"inspections have recorded {first['area']}: {first['item']}, so it stays; "
        "retire this template and make a copy to change it instead"
    )
    after = client.get(f"/api/v1/inspection-templates/{house['id']}", headers=admin).json()["items"]
    assert [i["id"] for i in after] == [i["id"] for i in house["items"]]
