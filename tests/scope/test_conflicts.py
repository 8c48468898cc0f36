"""Two people change the same scope line from the same version: one change is kept whole, the
other is refused with the line as it now is (as its writer may read it), and nothing of the
refused change is written."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from threading import Barrier
from typing import Any

import httpx

from tests.fixtures.api import PROBLEM, token
from tests.fixtures.factory import Factory


def test_two_edits_of_one_version_keep_one_and_answer_the_other_with_both_values(
    client: httpx.Client, factory: Factory
) -> None:
    manager, admin = factory.user("PROPERTY_MANAGER"), factory.user("ADMIN")
    turn = factory.turn(factory.property(manager), turn_amount=None)
    headers = {"manager": token(client, manager), "admin": token(client, admin)}
    body = {"trade": "PAINT", "description": "Walls", "quantity": "1", "unit_cost": "100.00"}
    created = client.post(f"/api/v1/turns/{turn}/scope-lines", headers=headers["manager"], json=body)
    assert created.status_code == 201, created.text
    line = created.json()
    edits = {
        "manager": {"quantity": "2.00", "unit_cost": "150.00", "version": line["version"]},
        "admin": {"quantity": "3.00", "description": "Walls and ceilings", "version": line["version"]},
    }
    start = Barrier(2)

    def edit(who: str) -> httpx.Response:
        with httpx.Client(base_url=client.base_url, timeout=30) as own:
            start.wait()
            return own.patch(f"/api/v1/scope-lines/{line['id']}", headers=headers[who], json=edits[who])

    with ThreadPoolExecutor(2) as pool:
        answers = dict(zip(edits, pool.map(edit, edits), strict=True))

    assert sorted(a.status_code for a in answers.values()) == [200, 409], {w: a.text for w, a in answers.items()}
    winner = next(who for who, answer in answers.items() if answer.status_code == 200)
    loser = next(who for who in edits if who != winner)
    conflict = answers[loser]
    assert conflict.headers["content-type"] == PROBLEM
    current = conflict.json()["current"]
    saved = answers[winner].json()
    # The refused writer gets the winner's values beside its own, at the version to write on next.
    assert current["version"] == saved["version"] == 2
    for name, value in edits[winner].items():
        if name != "version":
            assert _value(current[name]) == _value(saved[name]) == _value(value), name
    expected = _line_after(line, edits[winner])
    assert factory.query(
        "SELECT version, description, quantity, unit_cost, amount FROM scope_lines WHERE id = %s", (line["id"],)
    ) == [(2, expected["description"], expected["quantity"], expected["unit_cost"], expected["amount"])]
    assert factory.query("SELECT turn_amount FROM turns WHERE id = %s", (turn,)) == [(expected["amount"],)]
    updates = factory.query("SELECT count(*) FROM audit_logs WHERE record_id = %s AND action = 'UPDATE'", (line["id"],))
    assert updates == [(1,)]

    # Written again on the version the conflict named, the refused change is kept.
    again = edits[loser] | {"version": current["version"]}
    retried = client.patch(f"/api/v1/scope-lines/{line['id']}", headers=headers[loser], json=again)
    assert retried.status_code == 200, retried.text
    assert retried.json()["version"] == 3 and Decimal(retried.json()["quantity"]) == Decimal(edits[loser]["quantity"])


def _value(value: Any) -> Any:
    """An amount as a number (JSON gives it as a number or a string), text as it is."""
    return value if isinstance(value, str) and not value[:1].isdigit() else Decimal(str(value))


def _line_after(line: dict[str, Any], edit: dict[str, str]) -> dict[str, Any]:
    quantity = Decimal(edit.get("quantity", line["quantity"]))
    unit_cost = Decimal(edit.get("unit_cost", line["unit_cost"]))
    return {
        "description": edit.get("description", line["description"]),
        "quantity": quantity,
        "unit_cost": unit_cost,
        "amount": (quantity * unit_cost).quantize(Decimal("0.01")),
    }


def test_a_vendor_meets_a_newer_line_without_the_amounts_it_may_not_read(
    client: httpx.Client, factory: Factory
) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    vendor_user = factory.user("VENDOR")
    turn = factory.turn(factory.property(manager), vendor_id=vendor_user.vendor_id, turn_amount=None)
    headers = {"manager": token(client, manager), "vendor": token(client, vendor_user)}
    body = {
        "trade": "PAINT",
        "description": "Walls",
        "quantity": "1",
        "unit_cost": "100.00",
        "vendor_id": str(vendor_user.vendor_id),
        "chargeback": True,
        "chargeback_amount": "40.00",
    }
    line = client.post(f"/api/v1/turns/{turn}/scope-lines", headers=headers["manager"], json=body).json()
    path = f"/api/v1/scope-lines/{line['id']}"
    moved = client.patch(path, headers=headers["manager"], json={"chargeback_amount": "60.00", "version": 1})
    assert moved.status_code == 200, moved.text

    stale = client.patch(path, headers=headers["vendor"], json={"status": "DONE", "version": 1})

    assert stale.status_code == 409 and stale.headers["content-type"] == PROBLEM, stale.text
    current = stale.json()["current"]
    assert (current["version"], current["status"], current["description"]) == (2, "OPEN", "Walls")
    assert {"chargeback_amount", "approved_amount"}.isdisjoint(current)
    assert factory.query("SELECT status, done_at, version FROM scope_lines WHERE id = %s", (line["id"],)) == [
        ("OPEN", None, 2)
    ]
