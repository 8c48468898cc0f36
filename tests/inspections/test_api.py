"""The inspections API: who may inspect which turn, one inspection in progress at a time,
results recorded once however often a device replays them, and finishing proposing the
scope lines of the items marked for work; templates written by admins only."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
import pytest

from tests.fixtures.api import refused, token
from tests.fixtures.factory import Factory, User


@dataclass
class Cast:
    users: dict[str, User]
    headers: dict[str, dict[str, str]]
    turn: UUID

    def h(self, who: str) -> dict[str, str]:
        return self.headers[who]


@pytest.fixture
def cast(client: httpx.Client, factory: Factory) -> Cast:
    users = {
        "admin": factory.user("ADMIN"),
        "manager": factory.user("PROPERTY_MANAGER"),
        "other_manager": factory.user("PROPERTY_MANAGER"),
        "inspector": factory.user("INSPECTOR"),
        "vendor": factory.user("VENDOR"),
        "dfo": factory.user("DFO_APPROVER"),
    }
    factory.property(users["other_manager"])
    turn = factory.turn(factory.property(users["manager"]), vendor_id=users["vendor"].vendor_id, turn_amount=None)
    return Cast(users, {name: token(client, user) for name, user in users.items()}, turn)


def _start(client: httpx.Client, cast: Cast, who: str, **body: Any) -> httpx.Response:
    return client.post(f"/api/v1/turns/{cast.turn}/inspections", headers=cast.h(who), json=body)


def _detail(client: httpx.Client, cast: Cast, inspection: str, who: str = "inspector") -> dict[str, Any]:
    response = client.get(f"/api/v1/inspections/{inspection}", headers=cast.h(who))
    assert response.status_code == 200, response.text
    return dict(response.json())


def _items(detail: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(i["area"], i["item"]): i["id"] for i in detail["template"]["items"]}


def _record(client: httpx.Client, cast: Cast, inspection: str, who: str = "inspector", **body: Any) -> httpx.Response:
    return client.post(f"/api/v1/inspections/{inspection}/results", headers=cast.h(who), json=body)


def test_default_templates_are_seeded(client: httpx.Client, cast: Cast) -> None:
    found = client.get("/api/v1/inspection-templates", headers=cast.h("vendor")).json()["items"]
    by_name = {t["name"]: t for t in found}
    assert {"Single-family home", "Apartment"} <= set(by_name)
    house = by_name["Single-family home"]
    assert house["kind"] == "SINGLE_FAMILY" and len(house["items"]) == 38
    assert len({i["area"] for i in house["items"]}) == 8
    cabinets = next(i for i in house["items"] if (i["area"], i["item"]) == ("Kitchen", "Cabinets"))
    assert (cabinets["trade"], cabinets["unit"]) == ("GENERAL", "each")
    assert len(by_name["Apartment"]["items"]) == 34


def test_who_starts_and_one_in_progress(client: httpx.Client, cast: Cast) -> None:
    refused(_start(client, cast, "dfo"), 403)
    refused(_start(client, cast, "vendor"), 403)
    refused(_start(client, cast, "other_manager"), 404)
    refused(_start(client, cast, "inspector", template_id="not-a-uuid"), 422)
    missing = refused(_start(client, cast, "inspector", template_id=str(cast.turn)), 422).json()
    assert "template_id" in str(missing)

    started = _start(client, cast, "inspector")
    assert started.status_code == 201, started.text
    inspection = started.json()
    assert inspection["status"] == "IN_PROGRESS" and inspection["kind"] == "MOVE_OUT"
    assert inspection["inspector_id"] == str(cast.users["inspector"].id)
    assert started.headers["Location"] == f"/api/v1/inspections/{inspection['id']}"

    again = refused(_start(client, cast, "manager"), 409).json()
    assert "in progress" in again["detail"] and again["current"]["id"] == inspection["id"]
    assert "by Inspector " in again["detail"]

    listed = {who: client.get(f"/api/v1/turns/{cast.turn}/inspections", headers=cast.h(who)) for who in cast.users}
    assert {who: r.status_code for who, r in listed.items()} == {
        "admin": 200,
        "manager": 200,
        "other_manager": 404,
        "inspector": 200,
        "vendor": 403,
        "dfo": 200,
    }
    assert [i["id"] for i in listed["dfo"].json()["items"]] == [inspection["id"]]
    refused(client.get(f"/api/v1/inspections/{inspection['id']}", headers=cast.h("vendor")), 403)
    refused(client.get(f"/api/v1/inspections/{inspection['id']}", headers=cast.h("other_manager")), 404)


def test_results_are_recorded_once(client: httpx.Client, cast: Cast) -> None:
    inspection = _start(client, cast, "manager").json()["id"]
    items = _items(_detail(client, cast, inspection))
    cabinets = items[("Kitchen", "Cabinets")]
    body = {"template_item_id": cabinets, "condition": "REPAIR", "note": "Door hinge broken", "quantity": "2"}
    first = _record(client, cast, inspection, **body)
    assert first.status_code == 201, first.text
    replay = _record(client, cast, inspection, **body)
    assert replay.status_code == 200, replay.text
    assert replay.json()["id"] == first.json()["id"] and replay.json()["version"] == 1
    other = refused(_record(client, cast, inspection, **(body | {"condition": "REPLACE"})), 409).json()
    assert other["current"]["condition"] == "REPAIR"
    assert [r["id"] for r in _detail(client, cast, inspection)["results"]] == [first.json()["id"]]

    path = f"/api/v1/inspection-results/{first.json()['id']}"
    refused(client.patch(path, headers=cast.h("dfo"), json={"condition": "OK", "version": 1}), 403)
    refused(client.patch(path, headers=cast.h("vendor"), json={"condition": "OK", "version": 1}), 403)
    refused(client.patch(path, headers=cast.h("other_manager"), json={"condition": "OK", "version": 1}), 404)
    changed = client.patch(path, headers=cast.h("inspector"), json={"condition": "REPLACE", "version": 1})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["condition"], changed.json()["version"]) == ("REPLACE", 2)
    stale = refused(client.patch(path, headers=cast.h("inspector"), json={"condition": "OK", "version": 1}), 409)
    assert stale.json()["current"]["version"] == 2
    refused(
        _record(client, cast, inspection, "dfo", template_item_id=items[("Kitchen", "Sink & faucet")], condition="OK"),
        403,
    )


def test_bad_results_name_the_field(client: httpx.Client, cast: Cast) -> None:
    inspection = _start(client, cast, "inspector").json()["id"]
    item = _items(_detail(client, cast, inspection))[("Kitchen", "Cabinets")]
    apartment = next(
        t
        for t in client.get("/api/v1/inspection-templates", headers=cast.h("admin")).json()["items"]
        if t["name"] == "Apartment"
    )["items"][0]["id"]
    for body, field in (
        ({"template_item_id": item, "condition": "BROKEN"}, "condition"),
        ({"template_item_id": item, "condition": "REPAIR", "quantity": "0"}, "quantity"),
        ({"template_item_id": item, "condition": "REPAIR", "quantity": "1.234"}, "quantity"),
        ({"template_item_id": item, "condition": "REPAIR", "note": "x" * 501}, "note"),
        ({"template_item_id": apartment, "condition": "OK"}, "template_item_id"),
        ({"condition": "OK"}, "template_item_id"),
    ):
        problem = refused(_record(client, cast, inspection, **body), 422).json()
        assert field in str(problem), (body, problem)
    assert _detail(client, cast, inspection)["results"] == []


def test_finish_proposes_the_lines(client: httpx.Client, cast: Cast) -> None:
    inspection = _start(client, cast, "inspector").json()["id"]
    items = _items(_detail(client, cast, inspection))
    marks = [
        (("Kitchen", "Cabinets"), "REPAIR", "Door hinge broken", "2"),
        (("Kitchen", "Refrigerator"), "OK", None, "1"),
        (("Bathrooms", "Toilet"), "REPLACE", None, "1"),
        (("Whole home", "Cleaning"), "CLEAN", "  ", "1"),
        (("Bedrooms", "Flooring"), "REPLACE", "Pet stains", "240"),
    ]
    for key, condition, note, quantity in marks:
        body = {"template_item_id": items[key], "condition": condition, "quantity": quantity}
        assert _record(client, cast, inspection, **(body | ({"note": note} if note else {}))).status_code == 201
    refused(client.post(f"/api/v1/inspections/{inspection}/finish", headers=cast.h("dfo"), json={"version": 1}), 403)
    refused(client.post(f"/api/v1/inspections/{inspection}/finish", headers=cast.h("inspector"), json={}), 422)
    done = client.post(f"/api/v1/inspections/{inspection}/finish", headers=cast.h("inspector"), json={"version": 1})
    assert done.status_code == 200, done.text
    assert done.json()["inspection"]["status"] == "FINISHED"
    proposed = [
        (line["trade"], line["description"], Decimal(line["quantity"]), line["unit"], Decimal(line["unit_cost"]))
        for line in done.json()["lines"]
    ]
    assert proposed == [
        ("GENERAL", "Kitchen: Cabinets — Door hinge broken", Decimal(2), "each", Decimal(0)),
        ("FLOORING", "Bedrooms: Flooring — Pet stains", Decimal(240), "sq ft", Decimal(0)),
        ("PLUMBING", "Bathrooms: Toilet", Decimal(1), "each", Decimal(0)),
        ("CLEANING", "Whole home: Cleaning", Decimal(1), "lot", Decimal(0)),
    ]
    scope = client.get(f"/api/v1/turns/{cast.turn}/scope-lines", headers=cast.h("manager")).json()["items"]
    assert [line["description"] for line in scope] == [p[1] for p in proposed]

    # Finished: no more results, no second finish; a new inspection may start.
    late = _record(client, cast, inspection, template_item_id=items[("Kitchen", "Sink & faucet")], condition="OK")
    refused(late, 409)
    refused(
        client.post(f"/api/v1/inspections/{inspection}/finish", headers=cast.h("inspector"), json={"version": 2}), 409
    )
    assert _start(client, cast, "manager").status_code == 201


def test_templates_written_by_admins(client: httpx.Client, cast: Cast) -> None:
    body = {
        "name": "Townhome",
        "kind": "OTHER",
        "items": [
            {"area": "Stairs", "item": "Handrail", "trade": "GENERAL"},
            {"area": "Patio", "item": "Fence", "trade": "LANDSCAPING", "unit": "ln ft"},
        ],
    }
    for who in ("manager", "inspector", "dfo", "vendor"):
        refused(client.post("/api/v1/inspection-templates", headers=cast.h(who), json=body), 403)
    refused(client.post("/api/v1/inspection-templates", headers=cast.h("admin"), json=body | {"kind": "CASTLE"}), 422)
    bad_trade = {"name": "X", "kind": "OTHER", "items": [{"area": "A", "item": "B", "trade": "MAGIC"}]}
    assert "trade" in str(
        refused(client.post("/api/v1/inspection-templates", headers=cast.h("admin"), json=bad_trade), 422).json()
    )
    made = client.post("/api/v1/inspection-templates", headers=cast.h("admin"), json=body)
    assert made.status_code == 201, made.text
    template = made.json()
    assert [(i["area"], i["item"], i["unit"]) for i in template["items"]] == [
        ("Stairs", "Handrail", "each"),
        ("Patio", "Fence", "ln ft"),
    ]
    path = f"/api/v1/inspection-templates/{template['id']}"
    refused(client.patch(path, headers=cast.h("manager"), json={"is_active": False, "version": 1}), 403)
    off = client.patch(path, headers=cast.h("admin"), json={"is_active": False, "version": 1})
    assert off.status_code == 200 and off.json()["is_active"] is False
    refused(_start(client, cast, "inspector", template_id=template["id"]), 422)

    item = template["items"][0]
    refused(
        client.patch(
            f"/api/v1/inspection-template-items/{item['id']}",
            headers=cast.h("inspector"),
            json={"item": "Rail", "version": 1},
        ),
        403,
    )
    renamed = client.patch(
        f"/api/v1/inspection-template-items/{item['id']}", headers=cast.h("admin"), json={"item": "Rail", "version": 1}
    )
    assert renamed.status_code == 200 and renamed.json()["item"] == "Rail"
    added = client.post(
        f"{path}/items", headers=cast.h("admin"), json={"area": "Patio", "item": "Gate", "trade": "GENERAL"}
    )
    assert added.status_code == 201, added.text
    gone = client.delete(
        f"/api/v1/inspection-template-items/{item['id']}", headers=cast.h("admin"), params={"version": 2}
    )
    assert gone.status_code == 204, gone.text
    left = client.get(path, headers=cast.h("inspector")).json()["items"]
    assert [i["item"] for i in left] == ["Fence", "Gate"]


def test_a_used_item_stays(client: httpx.Client, cast: Cast) -> None:
    inspection = _start(client, cast, "inspector").json()["id"]
    item = _items(_detail(client, cast, inspection))[("Kitchen", "Cabinets")]
    assert _record(client, cast, inspection, template_item_id=item, condition="OK").status_code == 201
    refused(
        client.delete(f"/api/v1/inspection-template-items/{item}", headers=cast.h("admin"), params={"version": 1}), 409
    )
    path = f"/api/v1/inspection-templates/{_detail(client, cast, inspection)['template_id']}"
    assert item in [i["id"] for i in client.get(path, headers=cast.h("admin")).json()["items"]]
