"""The DFO approval threshold: a scope submitted at or below it is approved at once, with no
approver asked and the audit showing it; above it the DFO (then HO) steps apply; it may not
pass the HO threshold, and only admins change it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.fixtures.api import refused, token
from tests.fixtures.factory import Factory, User

SETTINGS = "/api/v1/workflow/settings"


def _set_dfo(client: httpx.Client, admin: dict[str, str], amount: str) -> dict[str, Any]:
    version = client.get(SETTINGS, headers=admin).json()["version"]
    answer = client.patch(SETTINGS, headers=admin, json={"dfo_approval_threshold": amount, "version": version})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _submit(client: httpx.Client, factory: Factory, manager: User, amount: int) -> dict[str, Any]:
    home = factory.property(manager)
    turn = factory.turn(home, turn_amount=amount)
    answer = client.post(f"/api/v1/turns/{turn}/scope/submit", headers=token(client, manager), json={"version": 1})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_at_or_below_the_dfo_threshold_a_scope_is_approved_on_submit(client: httpx.Client, factory: Factory) -> None:
    admin = token(client, factory.user("ADMIN"))
    manager = factory.user("PROPERTY_MANAGER")
    dfo = factory.user("DFO_APPROVER")
    settings = _set_dfo(client, admin, "750")
    assert (settings["dfo_approval_threshold"], settings["ho_approval_threshold"]) == ("750.00", "10000.00")

    at = _submit(client, factory, manager, 750)
    assert at["scope_approval_status"] == "DFO_APPROVED"
    assert at["approved_turn_amount"] == "750.00"
    assert at["scope_approved_date"] == datetime.now(UTC).date().isoformat()
    assert (at["dfo_approval_user_id"], at["approval_requested_at"]) == (None, None)
    assert factory.query(
        "SELECT user_id, old_values->>'scope_approval_status', new_values->>'scope_approval_status',"
        " new_values->>'approved_turn_amount' FROM audit_logs"
        " WHERE table_name = 'turns' AND record_id = %s AND action = 'UPDATE'",
        (at["id"],),
    ) == [(manager.id, "PENDING", "DFO_APPROVED", "750.00")]
    assert factory.query("SELECT count(*) FROM notifications WHERE turn_id = %s", (at["id"],)) == [(0,)]
    assert factory.query("SELECT count(*) FROM email_outbox WHERE turn_id = %s", (at["id"],)) == [(0,)]
    queue = client.get("/api/v1/approvals/queue", headers=token(client, dfo))
    assert at["id"] not in [t["id"] for t in queue.json()]

    above = _submit(client, factory, manager, 751)
    assert (above["scope_approval_status"], above["approved_turn_amount"]) == ("DFO_APPROVAL_NEEDED", None)
    assert factory.query("SELECT user_id, kind FROM notifications WHERE turn_id = %s", (above["id"],)) == [
        (dfo.id, "approval_requested")
    ]
    assert above["id"] in [t["id"] for t in client.get("/api/v1/approvals/queue", headers=token(client, dfo)).json()]


def test_the_default_threshold_keeps_every_scope_for_a_dfo(client: httpx.Client, factory: Factory) -> None:
    settings = client.get(SETTINGS, headers=token(client, factory.user("INSPECTOR"))).json()
    assert settings["dfo_approval_threshold"] == "0.00"
    submitted = _submit(client, factory, factory.user("PROPERTY_MANAGER"), 1)
    assert submitted["scope_approval_status"] == "DFO_APPROVAL_NEEDED"


def test_a_grown_scope_still_within_the_dfo_threshold_stays_approved(client: httpx.Client, factory: Factory) -> None:
    _set_dfo(client, token(client, factory.user("ADMIN")), "1000")
    approved = _submit(client, factory, factory.user("PROPERTY_MANAGER"), 600)

    def change_order(amount: int) -> tuple[Any, ...]:
        return factory.query(
            "UPDATE turns SET change_order_amount = %s WHERE id = %s"
            " RETURNING scope_approval_status::text, approved_turn_amount::text",
            (amount, approved["id"]),
        )[0]

    assert change_order(400) == ("DFO_APPROVED", "1000.00")  # total 1000: still no approver needed
    assert change_order(401) == ("DFO_APPROVAL_NEEDED", "1000.00")  # total 1001: a DFO decides the growth


def test_the_dfo_threshold_may_not_pass_the_ho_threshold_and_only_admins_set_it(
    client: httpx.Client, factory: Factory
) -> None:
    admin = token(client, factory.user("ADMIN"))
    version = client.get(SETTINGS, headers=admin).json()["version"]
    too_high = client.patch(SETTINGS, headers=admin, json={"dfo_approval_threshold": "10000.01", "version": version})
    problem = refused(too_high, 422).json()
    assert problem["detail"] == "the DFO threshold ($10,000.01) may not be above the HO threshold ($10,000.00)"
    assert problem["fields"] == ["dfo_approval_threshold"]
    _set_dfo(client, admin, "5000")
    version += 1
    lowered = client.patch(SETTINGS, headers=admin, json={"ho_approval_threshold": "4000", "version": version})
    assert "may not be above the HO threshold ($4,000.00)" in refused(lowered, 422).json()["detail"]
    refused(client.patch(SETTINGS, headers=admin, json={"dfo_approval_threshold": "-1", "version": version}), 422)

    for role in ("DFO_APPROVER", "HO_APPROVER", "PROPERTY_MANAGER"):
        headers = token(client, factory.user(role))
        refused(client.patch(SETTINGS, headers=headers, json={"dfo_approval_threshold": "0", "version": version}), 403)
    assert factory.query(
        "SELECT dfo_approval_threshold::text, ho_approval_threshold::text, version FROM workflow_settings"
    ) == [("5000.00", "10000.00", version)]
    updates = factory.query(
        "SELECT old_values->>'dfo_approval_threshold', new_values->>'dfo_approval_threshold' FROM audit_logs"
        " WHERE table_name = 'workflow_settings' AND action = 'UPDATE'"
    )
    assert updates == [("0.00", "5000.00")]
