"""A user reference names only a user of a role allowed for it, enforced by the database
(migration 0011): a property's managers are managers, whichever path writes them; a role
change that a standing assignment does not allow is refused; and the policies' manager branch
opens nothing to another role even where a bad reference got in with the triggers off."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg
import pytest
from psycopg import sql

from tests.fixtures.api import refused, token
from tests.fixtures.factory import Factory
from tests.sync.shape_http import visible
from turns.db import migrate
from turns.db.context import SET_CONTEXT_SQL, Actor
from turns.db.urls import DatabaseUrls


def _patch(client: httpx.Client, headers: dict[str, str], url: str, **changes: Any) -> httpx.Response:
    """PATCH ``changes`` at the version the record has now."""
    version = client.get(url, headers=headers).json()["version"]
    return client.patch(url, headers=headers, json={**changes, "version": version})


def _fingerprint(factory: Factory, table: str, row: Any) -> list[tuple[Any, ...]]:
    """The row as stored, and how many audit rows there are: a refused write changes neither."""
    return factory.query(f"SELECT to_jsonb(t) FROM {table} t WHERE id = %s", (row,)) + factory.query(
        "SELECT count(*) FROM audit_logs"
    )


@pytest.mark.parametrize(
    ("field", "role"),
    [
        ("property_manager_id", "VENDOR"),
        ("property_manager_id", "USER"),
        ("property_manager_id", "INSPECTOR"),
        ("sr_property_manager_id", "PROPERTY_MANAGER"),
        ("sr_property_manager_id", "ADMIN"),
    ],
)
def test_a_manager_of_another_role_is_422_and_nothing_is_written(
    client: httpx.Client, factory: Factory, field: str, role: str
) -> None:
    senior, outsider = factory.user("SR_PROPERTY_MANAGER"), factory.user(role)
    home = factory.property(factory.user("PROPERTY_MANAGER"), senior)
    admin = token(client, factory.user("ADMIN"))
    before = _fingerprint(factory, "properties", home)
    answer = refused(
        client.patch(f"/api/v1/properties/{home}", headers=admin, json={field: str(outsider.id), "version": 1}), 422
    ).json()
    assert answer["field"] == field
    assert role in answer["reason"] and field in answer["reason"]
    assert _fingerprint(factory, "properties", home) == before
    # Created with such a manager: refused the same way, and no property exists.
    payload = {"property_id": "P-BAD-1", "name": "Bad", "street_address": "1 Bad St", field: str(outsider.id)}
    assert refused(client.post("/api/v1/properties", headers=admin, json=payload), 422).json()["field"] == field
    assert factory.query("SELECT count(*) FROM properties WHERE property_id = 'P-BAD-1'") == [(0,)]


def test_a_senior_manager_cannot_hand_a_home_to_a_vendor_or_a_user(client: httpx.Client, factory: Factory) -> None:
    senior = factory.user("SR_PROPERTY_MANAGER")
    home = factory.property(factory.user("PROPERTY_MANAGER"), senior)
    headers = token(client, senior)
    for outsider in (factory.user("VENDOR"), factory.user("USER")):
        body = {"property_manager_id": str(outsider.id), "version": 1}
        refused(client.patch(f"/api/v1/properties/{home}", headers=headers, json=body), 422)
        outsider_headers = token(client, outsider)
        assert client.get(f"/api/v1/properties/{home}", headers=outsider_headers).status_code == 404
    # A senior manager is a manager: may be a home's property manager too.
    other_senior = factory.user("SR_PROPERTY_MANAGER")
    body = {"property_manager_id": str(other_senior.id), "version": 1}
    assert client.patch(f"/api/v1/properties/{home}", headers=headers, json=body).status_code == 200


@pytest.mark.parametrize("url_name", ["app", "owner"])
def test_sql_is_refused_whoever_writes_it(factory: Factory, db: DatabaseUrls, url_name: str) -> None:
    """The application role as an admin, and the owner: the database itself refuses."""
    admin, manager, vendor = factory.user("ADMIN"), factory.user("PROPERTY_MANAGER"), factory.user("VENDOR")
    home = factory.property(manager)
    turn = factory.turn(home)
    attempts = [
        ("properties", "property_manager_id", vendor, home),
        ("properties", "sr_property_manager_id", manager, home),
        ("turns", "turns_superintendent_id", vendor, turn),
        ("turns", "scope_submitted_by", vendor, turn),
        ("turns", "dfo_approval_user_id", manager, turn),
        ("turns", "ho_approval_user_id", admin, turn),
        ("turns", "reject_user_id", vendor, turn),
    ]
    for table, column, user, row in attempts:
        with psycopg.connect(getattr(db, url_name)) as conn:
            conn.execute(SET_CONTEXT_SQL, Actor(user_id=admin.id, context="test").params())
            with pytest.raises(psycopg.errors.CheckViolation) as raised:
                update = sql.SQL("UPDATE {} SET {} = %s WHERE id = %s").format(
                    sql.Identifier(table), sql.Identifier(column)
                )
                conn.execute(update, (user.id, row))
        assert raised.value.diag.column_name == column
        assert raised.value.diag.table_name == table
    assert factory.query(
        "SELECT property_manager_id, sr_property_manager_id FROM properties WHERE id = %s", (home,)
    ) == [(manager.id, None)]


def test_demoting_a_manager_is_refused_until_the_homes_are_reassigned(client: httpx.Client, factory: Factory) -> None:
    manager, successor = factory.user("PROPERTY_MANAGER"), factory.user("PROPERTY_MANAGER")
    senior = factory.user("SR_PROPERTY_MANAGER")
    home = factory.property(manager, senior)
    admin = token(client, factory.user("ADMIN"))
    for user, role in ((manager, "USER"), (manager, "INSPECTOR"), (senior, "PROPERTY_MANAGER")):
        before = _fingerprint(factory, "users", user.id)
        body: dict[str, Any] = {"role": role, "version": 1}
        answer = refused(client.patch(f"/api/v1/users/{user.id}", headers=admin, json=body), 422).json()
        assert answer["field"] == "role"
        assert "property_manager_id" in answer["reason"]
        assert _fingerprint(factory, "users", user.id) == before
    # A property manager may become a senior manager: still allowed to manage the home.
    promoted = _patch(client, admin, f"/api/v1/users/{manager.id}", role="SR_PROPERTY_MANAGER")
    assert promoted.status_code == 200, promoted.text
    moved = _patch(client, admin, f"/api/v1/properties/{home}", property_manager_id=str(successor.id))
    assert moved.status_code == 200, moved.text
    demoted = _patch(client, admin, f"/api/v1/users/{manager.id}", role="USER")
    assert demoted.status_code == 200, demoted.text
    assert factory.query("SELECT role::text FROM users WHERE id = %s", (manager.id,)) == [("USER",)]


def test_who_approved_stays_recorded_when_their_role_changes(client: httpx.Client, factory: Factory) -> None:
    """An approval records who decided; it is not an assignment that holds the approver's role."""
    approver = factory.user("DFO_APPROVER")
    turn = factory.turn(factory.property(), dfo_approval_user_id=approver.id)
    admin = token(client, factory.user("ADMIN"))
    changed = _patch(client, admin, f"/api/v1/users/{approver.id}", role="USER")
    assert changed.status_code == 200, changed.text
    assert factory.query("SELECT dfo_approval_user_id FROM turns WHERE id = %s", (turn,)) == [(approver.id,)]


@pytest.mark.parametrize("role", ["USER", "VENDOR"])
def test_a_manager_column_opens_nothing_to_another_role(
    client: httpx.Client, factory: Factory, db: DatabaseUrls, role: str
) -> None:
    """RLS decides the manager branch by role too: a reference that got past the triggers
    shows the home and its turns on no path, and its lock box stays shut."""
    outsider = factory.user(role)
    home = factory.property(factory.user("PROPERTY_MANAGER"))
    turn = factory.turn(home, vendor_id=factory.vendor())
    factory.unvetted("UPDATE properties SET property_manager_id = %s WHERE id = %s", (outsider.id, home))
    assert visible(db, outsider.id, "properties") == set()
    assert visible(db, outsider.id, "turns") == set()
    headers = token(client, outsider)
    assert client.get(f"/api/v1/properties/{home}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/turns/{turn}", headers=headers).status_code == 404
    assert client.patch(
        f"/api/v1/properties/{home}", headers=headers, json={"name": "x", "version": 1}
    ).status_code in (
        403,
        404,
    )
    assert client.post(f"/api/v1/turns/{turn}/lock-box/reveal", headers=headers).status_code == 404
    assert client.get("/api/v1/search", headers=headers, params={"q": "Test", "types": "properties,turns"}).json() == {
        "items": []
    }
    with psycopg.connect(db.app) as conn:
        conn.execute(SET_CONTEXT_SQL, Actor(user_id=outsider.id, context="test").params())
        assert conn.execute("SELECT count(*) FROM app_managed_property_ids()").fetchone() == (0,)


def test_the_migration_clears_references_that_open_homes_to_other_roles(empty_db: DatabaseUrls) -> None:
    migrate.upgrade(empty_db.owner, "0010_search_audit")
    factory = Factory(empty_db)
    manager, user, senior = factory.user("PROPERTY_MANAGER"), factory.user("USER"), factory.user("SR_PROPERTY_MANAGER")
    good, bad = factory.property(manager, senior), factory.property(user, manager)
    migrate.upgrade(empty_db.owner)
    found = factory.query(
        "SELECT id, property_manager_id, sr_property_manager_id FROM properties WHERE id IN (%s, %s) ORDER BY id = %s",
        (good, bad, bad),
    )
    assert found == [(good, manager.id, senior.id), (bad, None, None)]
    cleared = factory.query(
        "SELECT context, changed_fields FROM audit_logs WHERE record_id = %s AND action = 'UPDATE'"
        " ORDER BY changed_fields",
        (bad,),
    )
    assert cleared == [("migration", ["property_manager_id"]), ("migration", ["sr_property_manager_id"])]
