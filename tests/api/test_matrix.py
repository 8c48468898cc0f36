"""The permission matrix of docs/permissions.md, role by role, through HTTP.

For each of the nine roles one world is built (two portfolios, a vendor company with
its user, turns in several states) and every action is tried; the outcome is the
status code, or for lists how many rows came back. A refused write must leave the
database as it was: the matrix compares a fingerprint of the touched rows too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest

from tests.fixtures.factory import Factory, User, bearer, login

SETTINGS_ID = UUID("00000000-0000-0000-0000-000000000005")  # the single workflow_settings row
ROLES = (
    "SUPER_ADMIN",
    "ADMIN",
    "PROPERTY_MANAGER",
    "SR_PROPERTY_MANAGER",
    "VENDOR",
    "INSPECTOR",
    "DFO_APPROVER",
    "HO_APPROVER",
    "USER",
)


@dataclass
class World:
    factory: Factory
    manager: User
    senior: User
    other_manager: User
    vendor_user: User
    vendor: UUID
    mine: UUID  # property of manager + senior
    theirs: UUID  # property of other_manager
    my_turn: UUID  # on mine, assigned to vendor
    their_turn: UUID  # on theirs, no vendor
    ready_turn: UUID  # on mine, vendor and amount set: may enter Scope Approval
    waiting_turn: UUID  # on mine, waiting for a DFO decision, submitted by manager
    other_vendor_user: User


def build_world(factory: Factory) -> World:
    manager, senior, other = (
        factory.user("PROPERTY_MANAGER"),
        factory.user("SR_PROPERTY_MANAGER"),
        factory.user("PROPERTY_MANAGER"),
    )
    vendor = factory.vendor()
    mine, theirs = factory.property(manager, senior), factory.property(other)
    return World(
        factory=factory,
        manager=manager,
        senior=senior,
        other_manager=other,
        vendor_user=factory.user("VENDOR", vendor_id=vendor),
        vendor=vendor,
        mine=mine,
        theirs=theirs,
        my_turn=factory.turn(mine, vendor_id=vendor),
        their_turn=factory.turn(theirs),
        ready_turn=factory.turn(mine, vendor_id=vendor),
        waiting_turn=factory.turn(
            mine,
            scope_approval_status="DFO_APPROVAL_NEEDED",
            scope_submitted_by=manager.id,
            scope_submitted_at="2026-01-01T00:00:00Z",
        ),
        other_vendor_user=factory.user("VENDOR"),
    )


def actor(world: World, role: str) -> User:
    return {
        "PROPERTY_MANAGER": world.manager,
        "SR_PROPERTY_MANAGER": world.senior,
        "VENDOR": world.vendor_user,
    }.get(role) or world.factory.user(role)


Call = Callable[[httpx.Client, World], httpx.Response]


def _count(response: httpx.Response) -> int | str:
    if response.status_code != 200:
        return f"status {response.status_code}"
    body = response.json()
    return len(body["items"] if isinstance(body, dict) else body)


def version(world: World, table: str, record: UUID) -> int:
    """The current version, so each write action stands on its own."""
    return int(world.factory.query(f"SELECT version FROM {table} WHERE id = %s", (record,))[0][0])


def _audits(world: World, record: UUID, action: str = "UPDATE") -> int:
    query = "SELECT count(*) FROM audit_logs WHERE record_id = %s AND action = %s"
    return int(world.factory.query(query, (record, action))[0][0])


def _row(world: World, table: str, record: UUID) -> list[tuple[Any, ...]]:
    return world.factory.query(f"SELECT version, updated_at FROM {table} WHERE id = %s", (record,))


# Each action: how to call it, whether to count list rows, and the row it may change.
ACTIONS: dict[str, tuple[Call, bool, Callable[[World], tuple[str, UUID]] | None]] = {
    "list properties": (lambda c, w: c.get("/api/v1/properties"), True, None),
    "read other portfolio's property": (lambda c, w: c.get(f"/api/v1/properties/{w.theirs}"), False, None),
    "create property": (
        lambda c, w: c.post(
            "/api/v1/properties", json={"property_id": "P-MATRIX", "name": "Matrix", "street_address": "1 Grid Rd"}
        ),
        False,
        None,
    ),
    "rename own-portfolio property": (
        lambda c, w: c.patch(
            f"/api/v1/properties/{w.mine}", json={"name": "Renamed", "version": version(w, "properties", w.mine)}
        ),
        False,
        lambda w: ("properties", w.mine),
    ),
    "deactivate property": (
        lambda c, w: c.post(f"/api/v1/properties/{w.theirs}/deactivate", json={"version": 1}),
        False,
        lambda w: ("properties", w.theirs),
    ),
    "list turns": (lambda c, w: c.get("/api/v1/turns"), True, None),
    "read other portfolio's turn": (lambda c, w: c.get(f"/api/v1/turns/{w.their_turn}"), False, None),
    "open turn on own portfolio": (
        lambda c, w: c.post("/api/v1/turns", json={"turn_id": "T-MATRIX", "property_id": str(w.mine)}),
        False,
        None,
    ),
    "edit work order of assigned turn": (
        lambda c, w: c.patch(
            f"/api/v1/turns/{w.my_turn}", json={"wo_number": "WO-M", "version": version(w, "turns", w.my_turn)}
        ),
        False,
        lambda w: ("turns", w.my_turn),
    ),
    "edit status of assigned turn": (
        lambda c, w: c.patch(
            f"/api/v1/turns/{w.ready_turn}", json={"status": "Started", "version": version(w, "turns", w.ready_turn)}
        ),
        False,
        lambda w: ("turns", w.ready_turn),
    ),
    "move turn to next stage": (
        lambda c, w: c.post(
            f"/api/v1/turns/{w.my_turn}/transition",
            json={"to_stage_id": str(w.factory.stage_id(2)), "version": version(w, "turns", w.my_turn)},
        ),
        False,
        lambda w: ("turns", w.my_turn),
    ),
    "submit scope": (
        lambda c, w: c.post(
            f"/api/v1/turns/{w.ready_turn}/scope/submit", json={"version": version(w, "turns", w.ready_turn)}
        ),
        False,
        lambda w: ("turns", w.ready_turn),
    ),
    "approvals queue": (lambda c, w: c.get("/api/v1/approvals/queue"), True, None),
    "approve waiting scope": (
        lambda c, w: c.post(f"/api/v1/turns/{w.waiting_turn}/scope/approve", json={"version": 1}),
        False,
        lambda w: ("turns", w.waiting_turn),
    ),
    "reveal lock box of assigned turn": (
        lambda c, w: c.post(f"/api/v1/turns/{w.my_turn}/lock-box/reveal"),
        False,
        None,
    ),
    "read workflow settings": (lambda c, w: c.get("/api/v1/workflow/settings"), False, None),
    "change workflow settings": (
        lambda c, w: c.patch("/api/v1/workflow/settings", json={"allow_self_approval": True, "version": 1}),
        False,
        lambda w: ("workflow_settings", SETTINGS_ID),
    ),
    "list own notifications": (lambda c, w: c.get("/api/v1/notifications"), True, None),
}

A, PM, V, IN, AP, U = "admin", "manager", "vendor", "inspector", "approver", "user"
GROUP = {
    "SUPER_ADMIN": A,
    "ADMIN": A,
    "PROPERTY_MANAGER": PM,
    "SR_PROPERTY_MANAGER": PM,
    "VENDOR": V,
    "INSPECTOR": IN,
    "DFO_APPROVER": AP,
    "HO_APPROVER": AP,
    "USER": U,
}

# Expected outcome by role group; per-role exceptions below. Lists give row counts.
EXPECTED: dict[str, dict[str, int | str]] = {
    "list properties": {A: 2, PM: 1, V: 1, IN: 2, AP: 2, U: 0},
    "read other portfolio's property": {A: 200, PM: 404, V: 404, IN: 200, AP: 200, U: 404},
    "create property": {A: 201, PM: 403, V: 403, IN: 403, AP: 403, U: 403},
    "rename own-portfolio property": {A: 200, PM: 200, V: 403, IN: 403, AP: 403, U: 404},
    "deactivate property": {A: 200, PM: 404, V: 404, IN: 403, AP: 403, U: 404},
    "list turns": {A: 4, PM: 3, V: 2, IN: 4, AP: 4, U: 0},
    "read other portfolio's turn": {A: 200, PM: 404, V: 404, IN: 200, AP: 200, U: 404},
    "open turn on own portfolio": {A: 201, PM: 201, V: 403, IN: 403, AP: 403, U: 403},
    "edit work order of assigned turn": {A: 200, PM: 200, V: 403, IN: 403, AP: 403, U: 404},
    "edit status of assigned turn": {A: 200, PM: 200, V: 200, IN: 200, AP: 403, U: 404},
    "move turn to next stage": {A: 200, PM: 200, V: 403, IN: 403, AP: 403, U: 404},
    "submit scope": {A: 200, PM: 200, V: 403, IN: 403, AP: 403, U: 404},
    "approve waiting scope": {A: 403, PM: 403, V: 404, IN: 403, AP: 403, U: 404},
    "approvals queue": {A: 2, PM: "status 403", V: "status 403", IN: "status 403", AP: 0, U: "status 403"},
    "reveal lock box of assigned turn": {A: 200, PM: 200, V: 200, IN: 200, AP: 403, U: 404},
    "read workflow settings": {A: 200, PM: 200, V: 200, IN: 200, AP: 200, U: 200},
    "change workflow settings": {A: 200, PM: 403, V: 403, IN: 403, AP: 403, U: 403},
    "list own notifications": {A: 0, PM: 0, V: 0, IN: 0, AP: 0, U: 0},
}
EXCEPTIONS: dict[tuple[str, str], int | str] = {
    # The DFO approver decides the waiting scope (submitted by the manager) and sees it queued.
    ("DFO_APPROVER", "approve waiting scope"): 200,
    ("DFO_APPROVER", "approvals queue"): 1,
    # The manager submitted that scope: they were notified that it waits (none for others).
}


def expected(role: str, action: str) -> int | str:
    return EXCEPTIONS.get((role, action), EXPECTED[action][GROUP[role]])


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role: str, client: httpx.Client, factory: Factory) -> None:
    world = build_world(factory)
    client.headers.update(bearer(login(client, actor(world, role))))
    client.cookies.clear()
    outcome: dict[str, int | str] = {}
    untouched: list[str] = []
    unaudited: list[str] = []
    for action, (call, counts, touches) in ACTIONS.items():
        target = touches(world) if touches else None
        before = _row(world, *target) if target else None
        audits = _audits(world, target[1]) if target else 0
        response = call(client, world)
        assert response.status_code < 500, (action, response.text)
        outcome[action] = _count(response) if counts else response.status_code
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json"), action
            if target and _row(world, *target) != before:
                untouched.append(action)
        elif response.status_code == 201:
            if _audits(world, UUID(response.json()["id"]), "CREATE") != 1:
                unaudited.append(action)
        elif target and _audits(world, target[1]) != audits + 1:
            unaudited.append(action)
    assert outcome == {action: expected(role, action) for action in ACTIONS}
    assert untouched == [], "refused writes changed the database"
    assert unaudited == [], "each write leaves exactly one audit row for its record"
