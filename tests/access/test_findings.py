"""Columns a role may not read, on the paths that once carried them: the audit export, the
lock-box answer and its conflict, and notifications (one rule for the API and for sync)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest

from tests.exports.helpers import read_csv, read_xlsx
from tests.fixtures.api import token
from tests.fixtures.factory import Factory, User
from turns.access.columns import USER_DIRECTORY_COLUMNS, VENDOR_TURN_COLUMNS, readable_columns
from turns.sync.shapes import allowed_columns


@dataclass
class Home:
    manager: User
    vendor: User
    turn: UUID
    headers: dict[str, dict[str, str]]


@pytest.fixture
def home(client: httpx.Client, factory: Factory) -> Home:
    """A manager's turn assigned to a vendor, in approval with a reject reason on record."""
    manager, vendor = factory.user("PROPERTY_MANAGER"), factory.user("VENDOR")
    turn = factory.turn(
        factory.property(manager),
        vendor_id=vendor.vendor_id,
        turn_amount="9876.54",
        reject_reason="too expensive",
        scope_approval_status="REJECTED",
    )
    headers = {"manager": token(client, manager), "vendor": token(client, vendor)}
    return Home(manager, vendor, turn, headers)


def _audit_export(client: httpx.Client, headers: dict[str, str], fmt: str, **params: str) -> list[dict[str, Any]]:
    """The export in its raw form (column names, JSON values), compared with the viewer's values;
    the readable form passes the same gate (``tests/api/test_column_gate.py``)."""
    response = client.get(f"/api/v1/exports/audit.{fmt}", headers=headers, params={**params, "raw": "true"})
    assert response.status_code == 200, response.text
    header, *rows = read_csv(response.content) if fmt == "csv" else read_xlsx(response.content)
    return [dict(zip(header, row, strict=True)) for row in rows]


def _values(cell: Any) -> dict[str, Any]:
    return dict(json.loads(cell)) if cell else {}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_audit_export_shows_what_the_viewer_shows(client: httpx.Client, home: Home, fmt: str) -> None:
    vendor = home.headers["vendor"]
    changed = client.patch(f"/api/v1/turns/{home.turn}", headers=vendor, json={"status": "Painting", "version": 1})
    assert changed.status_code == 200, changed.text
    exported = _audit_export(client, vendor, fmt, table_name="turns", record_id=str(home.turn))
    viewed = client.get("/api/v1/audit", headers=vendor, params={"record_id": str(home.turn)}).json()["items"]
    assert [row["action"] for row in exported] == [row["action"] for row in viewed] == ["UPDATE"]
    old, new = _values(exported[0]["old_values"]), _values(exported[0]["new_values"])
    assert (old["status"], new["status"]) == (None, "Painting")
    assert set(old) == set(new) == set(viewed[0]["new_values"]) == VENDOR_TURN_COLUMNS
    for hidden in ("turn_amount", "scope_approval_status", "reject_reason", "turns_superintendent_id"):
        assert hidden not in new
    dumped = json.dumps(exported, default=str)
    assert "9876.54" not in dumped and "too expensive" not in dumped


def test_audit_export_of_own_account_has_only_directory_columns(client: httpx.Client, home: Home) -> None:
    manager = home.headers["manager"]
    rows = _audit_export(client, manager, "csv", table_name="users", record_id=str(home.manager.id))
    assert rows, "signing in changed the manager's own row"
    for row in rows:
        for key in ("old_values", "new_values"):
            shown = set(_values(row[key]))
            assert shown <= USER_DIRECTORY_COLUMNS, shown - USER_DIRECTORY_COLUMNS
            assert not shown & {"last_login", "email_verified", "updated_by", "created_by", "updated_at"}


def test_lock_box_answers_a_vendor_without_money_or_approvals(client: httpx.Client, home: Home) -> None:
    url = f"/api/v1/turns/{home.turn}/lock-box"
    done = client.put(url, headers=home.headers["vendor"], json={"location": "Back door", "version": 1})
    assert done.status_code == 200, done.text
    workflow_state = {
        "id": str(home.turn),
        "turn_id": done.json()["turn_id"],
        "property_id": done.json()["property_id"],
        "version": 2,
        "stage_id": done.json()["stage_id"],
        "vendor_id": str(home.vendor.vendor_id),
        "is_active": True,
        "turn_completion_date": None,
        "expected_completion_date": None,
        # What the last stages require, which the vendor helps meet: utilities, walk, lock box.
        "power_status": "YES",
        "water_status": "YES",
        "gas_status": "YES",
        "final_walk_date": None,
        "lock_box_install_date": "2026-04-02",
        "lock_box_location": "Back door",
    }
    assert done.json() == workflow_state
    stale = client.put(url, headers=home.headers["vendor"], json={"location": "Gate", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current"] == workflow_state
    # The manager reads the money, in the answer and in a conflict alike.
    managed = client.put(url, headers=home.headers["manager"], json={"location": "Shed", "version": 1})
    assert managed.status_code == 409
    assert (managed.json()["current"]["turn_amount"], managed.json()["current"]["reject_reason"]) == (
        9876.54,
        "too expensive",
    )


def test_notifications_read_the_same_columns_through_api_and_sync(
    client: httpx.Client, factory: Factory, home: Home
) -> None:
    ((note,),) = factory.query(
        "INSERT INTO notifications (user_id, kind, title, turn_id) VALUES (%s, 'test', 'Hello', %s) RETURNING id",
        (home.vendor.id, home.turn),
    )
    (item,) = client.get("/api/v1/notifications", headers=home.headers["vendor"]).json()["items"]
    assert item["id"] == str(note) and item["user_id"] == str(home.vendor.id)
    for role in ("ADMIN", "VENDOR", "USER"):
        assert allowed_columns("notifications", role) == readable_columns("notifications", role) == set(item)
    assert not set(item) & {"created_by", "updated_at", "updated_by"}
