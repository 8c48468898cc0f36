"""Reopening a finished turn: who may, that a reason is required, and where the reason is kept."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import httpx

from tests.fixtures.factory import Factory, bearer, login


def _headers(client: httpx.Client, role: str, factory: Factory, **extra: Any) -> tuple[UUID, dict[str, str]]:
    user = factory.user(role, **extra)
    headers = bearer(login(client, user))
    client.cookies.clear()
    return user.id, headers


def test_a_manager_reopens_a_completed_turn_with_a_reason(client: httpx.Client, factory: Factory) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    headers = bearer(login(client, manager))
    client.cookies.clear()
    vendor_company = factory.vendor()
    vendor = bearer(login(client, factory.user("VENDOR", vendor_id=vendor_company)))
    client.cookies.clear()
    home = factory.property(manager, None)
    final_walk, complete = factory.stage_id(4), factory.stage_id(5)
    turn = factory.turn(
        home,
        stage=4,
        vendor_id=vendor_company,
        scope_approval_status="DFO_APPROVED",
        final_walk_date=date.today(),
        final_walk_by=manager.id,
    )
    url = f"/api/v1/turns/{turn}"
    done = client.post(f"{url}/transition", headers=headers, json={"to_stage_id": str(complete), "version": 1})
    assert done.status_code == 200, done.text
    assert done.json()["is_active"] is False and done.json()["turn_completion_date"] == date.today().isoformat()

    # A reason is required, and blank is no reason.
    for body in ({"version": 2}, {"version": 2, "reason": "   "}, {"version": 2, "reason": "x" * 241}):
        refused = client.post(f"{url}/reopen", headers=headers, json=body)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
    # The vendor on the turn reads it but may not reopen it.
    forbidden = client.post(f"{url}/reopen", headers=vendor, json={"version": 2, "reason": "Leak"})
    assert forbidden.status_code == 403, forbidden.text
    assert factory.query("SELECT is_active, version FROM turns WHERE id = %s", (turn,)) == [(False, 2)]

    reopened = client.post(f"{url}/reopen", headers=headers, json={"version": 2, "reason": " Leak under the sink "})
    assert reopened.status_code == 200, reopened.text
    body = reopened.json()
    assert (body["is_active"], body["turn_completion_date"], body["stage_id"]) == (True, None, str(final_walk))
    assert body["version"] == 3
    history = factory.query(
        "SELECT from_stage_id, to_stage_id, changed_by, note FROM turn_stage_history WHERE turn_id = %s"
        " ORDER BY changed_at DESC, created_at DESC LIMIT 1",
        (turn,),
    )
    assert history == [(complete, final_walk, manager.id, "Reopened: Leak under the sink")]
    audit = factory.query(
        "SELECT user_id, context, old_values->>'is_active', new_values->>'is_active' FROM audit_logs"
        " WHERE table_name = 'turns' AND record_id = %s AND action = 'UPDATE' ORDER BY created_at DESC LIMIT 1",
        (turn,),
    )
    assert audit == [(manager.id, "reopen: Leak under the sink", "false", "true")]

    # An open turn is not reopened again.
    again = client.post(f"{url}/reopen", headers=headers, json={"version": 3, "reason": "Twice"})
    assert again.status_code == 409 and "is open" in again.json()["detail"]


def test_a_closed_turn_is_reopened_in_its_stage_unless_the_home_has_another_open_turn(
    client: httpx.Client, factory: Factory
) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    headers = bearer(login(client, manager))
    client.cookies.clear()
    home = factory.property(manager, None)
    closed = factory.turn(home, stage=2, is_active=False)
    newer = factory.turn(home)
    refused = client.post(f"/api/v1/turns/{closed}/reopen", headers=headers, json={"version": 1, "reason": "Mistake"})
    assert refused.status_code == 409, refused.text
    assert refused.json()["open_turn"]["id"] == str(newer)
    assert factory.query("SELECT is_active FROM turns WHERE id = %s", (closed,)) == [(False,)]

    factory.query("UPDATE turns SET is_active = false WHERE id = %s RETURNING id", (newer,))
    reopened = client.post(f"/api/v1/turns/{closed}/reopen", headers=headers, json={"version": 1, "reason": "Mistake"})
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["stage_id"] == str(factory.stage_id(2)) and reopened.json()["is_active"] is True
    assert factory.query(
        "SELECT context FROM audit_logs WHERE table_name = 'turns' AND record_id = %s AND action = 'UPDATE'", (closed,)
    ) == [("reopen: Mistake",)]

    # Roles that do not run turns may not reopen them, even an admin-visible approver.
    for role in ("DFO_APPROVER", "INSPECTOR"):
        _, other = _headers(client, role, factory)
        response = client.post(f"/api/v1/turns/{newer}/reopen", headers=other, json={"version": 2, "reason": "No"})
        assert response.status_code == 403, (role, response.text)
