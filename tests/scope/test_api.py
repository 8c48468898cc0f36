"""The scope-lines API: who may read and write which lines, the turn amount as their sum,
approval on that sum, the change an approver reads, and bad input refused whole."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
import pytest

from tests.fixtures.api import PROBLEM, refused, token
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
        "vendor": factory.user("VENDOR"),
        "other_vendor": factory.user("VENDOR"),
        "dfo": factory.user("DFO_APPROVER"),
        "ho": factory.user("HO_APPROVER"),
    }
    factory.property(users["other_manager"])
    turn = factory.turn(factory.property(users["manager"]), vendor_id=users["vendor"].vendor_id, turn_amount=None)
    return Cast(users, {name: token(client, user) for name, user in users.items()}, turn)


def _add(client: httpx.Client, cast: Cast, who: str = "manager", **line: Any) -> httpx.Response:
    body = {"trade": "PAINT", "description": "Walls", "quantity": "1", "unit_cost": "100.00"} | line
    return client.post(f"/api/v1/turns/{cast.turn}/scope-lines", headers=cast.h(who), json=body)


def _turn(client: httpx.Client, cast: Cast) -> dict[str, Any]:
    response = client.get(f"/api/v1/turns/{cast.turn}", headers=cast.h("manager"))
    assert response.status_code == 200, response.text
    return dict(response.json())


def _trades(client: httpx.Client, cast: Cast, who: str) -> list[str] | int:
    response = client.get(f"/api/v1/turns/{cast.turn}/scope-lines", headers=cast.h(who))
    if response.status_code != 200:
        return response.status_code
    return [line["trade"] for line in response.json()["items"]]


def test_who_reads_and_writes_which_lines(client: httpx.Client, cast: Cast) -> None:
    vendor_id = str(cast.users["vendor"].vendor_id)
    other_id = str(cast.users["other_vendor"].vendor_id)
    mine = _add(client, cast, vendor_id=vendor_id, chargeback=True, chargeback_amount="40.00")
    assert mine.status_code == 201, mine.text
    assert mine.headers["Location"] == f"/api/v1/scope-lines/{mine.json()['id']}"
    by_admin = _add(client, cast, "admin", trade="HVAC", description="Service", unit_cost="90", vendor_id=other_id)
    assert by_admin.status_code == 201, by_admin.text
    assert [line["position"] for line in (mine.json(), by_admin.json())] == [0, 1]

    for who in ("other_manager", "vendor", "other_vendor", "dfo", "ho"):
        refused(_add(client, cast, who), 404 if who in ("other_manager", "other_vendor") else 403)

    assert {who: _trades(client, cast, who) for who in cast.users} == {
        "admin": ["PAINT", "HVAC"],
        "manager": ["PAINT", "HVAC"],
        "other_manager": 404,
        "vendor": ["PAINT"],
        "other_vendor": 404,
        "dfo": ["PAINT", "HVAC"],
        "ho": ["PAINT", "HVAC"],
    }
    vendor_view = client.get(f"/api/v1/turns/{cast.turn}/scope-lines", headers=cast.h("vendor")).json()["items"][0]
    assert "chargeback_amount" not in vendor_view and "approved_amount" not in vendor_view
    assert vendor_view["amount"] == "100.00"

    line = mine.json()
    path = f"/api/v1/scope-lines/{line['id']}"
    # Approvers and the vendor change nothing but, for the vendor, whether its line is done.
    refused(client.patch(path, headers=cast.h("dfo"), json={"quantity": "2", "version": 1}), 403)
    refused(client.patch(path, headers=cast.h("vendor"), json={"unit_cost": "500", "version": 1}), 403)
    refused(client.patch(path, headers=cast.h("other_vendor"), json={"status": "DONE", "version": 1}), 404)
    refused(client.delete(path, headers=cast.h("vendor"), params={"version": 1}), 403)
    refused(client.delete(path, headers=cast.h("other_manager"), params={"version": 1}), 404)
    done = client.patch(path, headers=cast.h("vendor"), json={"status": "DONE", "version": 1})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "DONE" and done.json()["done_at"] is not None
    assert "chargeback" not in done.json()

    # A stale write is refused with the line as the writer may read it.
    stale = refused(client.patch(path, headers=cast.h("vendor"), json={"status": "OPEN", "version": 1}), 409).json()
    assert stale["current"]["version"] == 2 and "chargeback_amount" not in stale["current"]
    stale = client.patch(path, headers=cast.h("manager") | {"If-Match": '"1"'}, json={"quantity": "3"})
    assert Decimal(str(refused(stale, 412).json()["current"]["chargeback_amount"])) == Decimal("40.00")

    grown = client.patch(path, headers=cast.h("manager"), json={"quantity": "3", "version": 2})
    assert grown.status_code == 200, grown.text
    assert grown.json()["amount"] == "300.00"
    assert Decimal(_turn(client, cast)["turn_amount"]) == Decimal("390.00")
    gone = client.delete(path, headers=cast.h("manager") | {"If-Match": '"3"'})
    assert gone.status_code == 204, gone.text
    assert _trades(client, cast, "manager") == ["HVAC"]
    assert Decimal(_turn(client, cast)["turn_amount"]) == Decimal("90.00")
    refused(client.get(f"/api/v1/turns/{cast.turn}/scope-changes", headers=cast.h("vendor")), 403)

    # The lines' trail is the turn's: the manager reads the admin's and the vendor's changes.
    trail = client.get(
        "/api/v1/audit", headers=cast.h("manager"), params={"turn_id": str(cast.turn), "table_name": "scope_lines"}
    ).json()["items"]
    assert {(row["user_email"], row["action"]) for row in trail} >= {
        (cast.users["admin"].email, "CREATE"),
        (cast.users["vendor"].email, "UPDATE"),
        (cast.users["manager"].email, "DELETE"),
    }


def _act(client: httpx.Client, cast: Cast, action: str, who: str) -> dict[str, Any]:
    version = _turn(client, cast)["version"]
    response = client.post(f"/api/v1/turns/{cast.turn}/scope/{action}", headers=cast.h(who), json={"version": version})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _lines(client: httpx.Client, cast: Cast) -> dict[str, dict[str, Any]]:
    items = client.get(f"/api/v1/turns/{cast.turn}/scope-lines", headers=cast.h("manager")).json()["items"]
    return {line["description"]: line for line in items}


def test_approval_on_the_sum_and_reapproval_with_the_changes(client: httpx.Client, cast: Cast) -> None:
    for trade, description, quantity, cost in (
        ("FLOORING", "LVP throughout", "850", "6.50"),  # 5,525.00
        ("PAINT", "Interior repaint", "6", "650.00"),  # 3,900.00
        ("APPLIANCES", "Range", "1", "899.99"),
        ("CLEANING", "Final clean", "1", "250.00"),
    ):
        added = _add(client, cast, trade=trade, description=description, quantity=quantity, unit_cost=cost)
        assert added.status_code == 201, added.text
    assert Decimal(_turn(client, cast)["turn_amount"]) == Decimal("10574.99")

    assert _act(client, cast, "submit", "manager")["scope_approval_status"] == "DFO_APPROVAL_NEEDED"
    assert _act(client, cast, "approve", "dfo")["scope_approval_status"] == "HO_APPROVAL_NEEDED"  # above 10,000
    approved = _act(client, cast, "approve", "ho")
    assert (approved["scope_approval_status"], approved["approved_turn_amount"]) == ("HO_APPROVED", "10574.99")
    lines = _lines(client, cast)
    assert {d: line["approved_amount"] for d, line in lines.items()} == {
        "LVP throughout": "5525.00",
        "Interior repaint": "3900.00",
        "Range": "899.99",
        "Final clean": "250.00",
    }
    nothing = client.get(f"/api/v1/turns/{cast.turn}/scope-changes", headers=cast.h("dfo")).json()
    assert (nothing["difference"], nothing["added"], nothing["removed"], nothing["changed"]) == ("0.00", [], [], [])

    # A change order: the floor grows, the clean goes, a plumbing line comes.
    floor = lines["LVP throughout"]
    grown = client.patch(
        f"/api/v1/scope-lines/{floor['id']}",
        headers=cast.h("manager"),
        json={"quantity": "900", "version": floor["version"]},
    )
    assert grown.status_code == 200, grown.text
    clean = lines["Final clean"]
    removed = client.delete(
        f"/api/v1/scope-lines/{clean['id']}", headers=cast.h("manager"), params={"version": clean["version"]}
    )
    assert removed.status_code == 204, removed.text
    assert _add(client, cast, trade="PLUMBING", description="Kitchen faucet", unit_cost="180.00").status_code == 201

    turn = _turn(client, cast)
    # 10,574.99 + 325.00 - 250.00 + 180.00
    assert (turn["turn_amount"], turn["scope_approval_status"]) == ("10829.99", "HO_APPROVAL_NEEDED")
    assert list(_lines(client, cast)) == ["LVP throughout", "Interior repaint", "Range", "Kitchen faucet"]
    changes = client.get(f"/api/v1/turns/{cast.turn}/scope-changes", headers=cast.h("ho")).json()
    assert (changes["approved_total"], changes["current_total"], changes["difference"]) == (
        "10574.99",
        "10829.99",
        "255.00",
    )
    summary = {
        kind: [(c["description"], c["old_amount"], c["new_amount"], c["difference"]) for c in changes[kind]]
        for kind in ("added", "removed", "changed")
    }
    assert summary == {
        "added": [("Kitchen faucet", None, "180.00", "180.00")],
        "removed": [("Final clean", "250.00", None, "-250.00")],
        "changed": [("LVP throughout", "5525.00", "5850.00", "325.00")],
    }
    approved = _act(client, cast, "approve", "ho")
    assert approved["approved_turn_amount"] == "10829.99"
    after = client.get(f"/api/v1/turns/{cast.turn}/scope-changes", headers=cast.h("manager")).json()
    assert (after["added"], after["removed"], after["changed"]) == ([], [], [])


def test_turn_amount_is_not_written_over_the_lines(client: httpx.Client, cast: Cast) -> None:
    assert _add(client, cast).status_code == 201
    turn = _turn(client, cast)
    response = client.patch(
        f"/api/v1/turns/{cast.turn}",
        headers=cast.h("manager"),
        json={"turn_amount": "5.00", "version": turn["version"]},
    )
    assert refused(response, 422).json()["field"] == "turn_amount"
    assert _turn(client, cast)["turn_amount"] == "100.00"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": "-1"}, "quantity"),
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "1.005"}, "quantity"),
        ({"unit_cost": "-0.01"}, "unit_cost"),
        ({"unit_cost": "12.345"}, "unit_cost"),
        ({"unit_cost": "1e30"}, "unit_cost"),
        ({"unit_cost": "NaN"}, "unit_cost"),
        ({"quantity": "99999", "unit_cost": "99999"}, "quantity"),
        ({"trade": "MAGIC"}, "trade"),
        ({"unit": "furlong"}, "unit"),
        ({"description": "   "}, "description"),
        ({"chargeback": True, "chargeback_amount": "100.01"}, "chargeback_amount"),
        ({"position": -1}, "position"),
        ({"vendor_id": "00000000-0000-0000-0000-00000000beef"}, None),
        ({"turn_id": "00000000-0000-0000-0000-00000000beef"}, "turn_id"),
    ],
)
def test_bad_input_is_refused_whole(
    client: httpx.Client, cast: Cast, factory: Factory, body: dict[str, Any], field: str | None
) -> None:
    before = factory.query("SELECT version FROM turns WHERE id = %s", (cast.turn,))
    response = refused(_add(client, cast, **body), 422)
    problem = response.json()
    named = problem.get("fields") or [e["loc"][-1] for e in problem.get("errors") or []] or [problem.get("field")]
    if field is not None:
        assert field in named, problem
    assert factory.query("SELECT count(*) FROM scope_lines WHERE turn_id = %s", (cast.turn,)) == [(0,)]
    assert factory.query("SELECT version FROM turns WHERE id = %s", (cast.turn,)) == before

    line = _add(client, cast).json()
    patched = client.patch(f"/api/v1/scope-lines/{line['id']}", headers=cast.h("manager"), json=body | {"version": 1})
    assert patched.status_code == 422 and patched.headers["content-type"] == PROBLEM, patched.text
    assert factory.query("SELECT version, amount FROM scope_lines WHERE id = %s", (line["id"],)) == [
        (1, Decimal("100.00"))
    ]
