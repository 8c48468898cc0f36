"""Row triggers (version, updated_at, created_by/updated_by, audit, stage history) and the
property_summary refresh."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import psycopg
import pytest
from psycopg import errors

from tests.fixtures.factory import Factory
from turns.db.context import SET_CONTEXT_SQL, SYSTEM_USER_ID, Actor
from turns.db.urls import DatabaseUrls


@pytest.mark.parametrize("table", ["users", "vendors", "properties", "turns", "turn_stages", "utility_providers"])
def test_update_bumps_version_and_updated_at(factory: Factory, table: str) -> None:
    ids: dict[str, Callable[[], UUID]] = {
        "users": lambda: factory.user("USER").id,
        "vendors": factory.vendor,
        "properties": factory.property,
        "turns": lambda: factory.turn(factory.property()),
        "turn_stages": lambda: factory.stage_id(3),
        "utility_providers": lambda: factory.insert("utility_providers", name="Power Co", utility_type="POWER"),
    }
    row_id = ids[table]()
    before = factory.query(f"SELECT version, updated_at, created_at FROM {table} WHERE id = %s", (row_id,))
    # A client may not set version or created_at itself: the trigger owns them.
    factory.query(
        f"UPDATE {table} SET is_active = NOT is_active, version = 99, created_at = now() - interval '1 year'"
        " WHERE id = %s RETURNING id",
        (row_id,),
    )
    after = factory.query(f"SELECT version, updated_at, created_at FROM {table} WHERE id = %s", (row_id,))
    assert after[0][0] == before[0][0] + 1
    assert after[0][1] > before[0][1]
    assert after[0][2] == before[0][2]


def test_insert_starts_at_version_one_with_its_author(db: DatabaseUrls, factory: Factory) -> None:
    """Errata 21: turn_stages records created_by / updated_by like every table."""
    admin = factory.user("ADMIN")
    with psycopg.connect(db.app) as conn:
        conn.execute(SET_CONTEXT_SQL, Actor(user_id=admin.id, context="test").params())
        row = conn.execute(
            "INSERT INTO turn_stages (name, display_order, version) VALUES ('Extra', 6, 7)"
            " RETURNING id, version, created_by, updated_by"
        ).fetchone()
    assert row is not None
    assert row[1:] == (1, admin.id, admin.id)
    with psycopg.connect(db.app) as conn:
        other = factory.user("ADMIN")
        conn.execute(SET_CONTEXT_SQL, Actor(user_id=other.id, context="test").params())
        conn.execute("UPDATE turn_stages SET color = '#123456' WHERE id = %s", (row[0],))
    assert factory.query("SELECT version, created_by, updated_by FROM turn_stages WHERE id = %s", (row[0],)) == [
        (2, admin.id, other.id)
    ]


def test_audit_trigger_records_each_change(db: DatabaseUrls, factory: Factory) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    prop = factory.property(manager=manager, name="Old name")
    with psycopg.connect(db.app) as conn:
        conn.execute(SET_CONTEXT_SQL, Actor(user_id=manager.id, context="api", ip_address="10.1.2.3").params())
        conn.execute("UPDATE properties SET name = 'New name' WHERE id = %s", (prop,))
    rows = factory.query(
        "SELECT action::text, user_id, user_email, user_role, changed_fields, old_values->>'name',"
        " new_values->>'name', property_id, host(ip_address), context"
        " FROM audit_logs WHERE table_name = 'properties' AND record_id = %s ORDER BY created_at",
        (prop,),
    )
    assert [r[0] for r in rows] == ["CREATE", "UPDATE"]
    assert rows[0][1] == SYSTEM_USER_ID
    assert rows[1][1:] == (
        manager.id,
        manager.email,
        "PROPERTY_MANAGER",
        ["name"],
        "Old name",
        "New name",
        prop,
        "10.1.2.3",
        "api",
    )


def test_audit_redacts_secrets_and_records_deletes(factory: Factory) -> None:
    turn = factory.turn(factory.property())
    factory.query("DELETE FROM turns WHERE id = %s RETURNING id", (turn,))
    rows = factory.query(
        "SELECT action::text, new_values->>'primary_lock_box_code', old_values->>'primary_lock_box_code', user_id,"
        " context FROM audit_logs WHERE table_name = 'turns' AND record_id = %s ORDER BY created_at",
        (turn,),
    )
    # The delete ran as the superuser with no acting user: a system action with a reason (errata 20).
    assert rows == [
        ("CREATE", "[redacted]", None, SYSTEM_USER_ID, "test"),
        ("DELETE", None, "[redacted]", None, "system"),
    ]


def test_audit_log_is_append_only_for_the_app(db: DatabaseUrls, factory: Factory) -> None:
    admin = factory.user("ADMIN")
    with psycopg.connect(db.app) as conn:
        conn.execute(SET_CONTEXT_SQL, Actor(user_id=admin.id, context="test").params())
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("UPDATE audit_logs SET context = 'rewritten'")
        conn.rollback()
        conn.execute(SET_CONTEXT_SQL, Actor(user_id=admin.id, context="test").params())
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("DELETE FROM audit_logs")


def test_stage_changes_are_recorded(factory: Factory) -> None:
    turn = factory.turn(factory.property(), stage=1)
    factory.query("UPDATE turns SET stage_id = %s WHERE id = %s RETURNING id", (factory.stage_id(2), turn))
    rows = factory.query(
        "SELECT f.display_order, t.display_order FROM turn_stage_history h"
        " LEFT JOIN turn_stages f ON f.id = h.from_stage_id JOIN turn_stages t ON t.id = h.to_stage_id"
        " WHERE h.turn_id = %s ORDER BY h.changed_at, t.display_order",
        (turn,),
    )
    assert rows == [(None, 1), (1, 2)]


def test_property_summary_refreshes_concurrently(db: DatabaseUrls, factory: Factory) -> None:
    prop = factory.property()
    factory.turn(prop)
    factory.turn(prop, is_active=False)
    summary = "SELECT total_turns, active_turns, avg_turn_cost FROM property_summary WHERE id = %s"
    assert factory.query(summary, (prop,)) == []
    with psycopg.connect(db.owner, autocommit=True) as conn:
        refreshed = conn.execute("SELECT refresh_property_summary()").fetchone()
        assert refreshed is not None and refreshed[0] is not None
    rows = factory.query(summary, (prop,))
    assert [(r[0], r[1], float(r[2])) for r in rows] == [(2, 1, 2500.0)]

    # The view's owner refreshes it CONCURRENTLY directly too (readers are not blocked).
    factory.turn(prop)
    assert db.superuser is not None
    with psycopg.connect(db.superuser, autocommit=True) as conn:
        owner = conn.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'property_summary'")
        assert owner.fetchone() == ("turns_definer",)
        conn.execute("SET ROLE turns_definer")
        conn.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY property_summary")
    assert factory.query(summary, (prop,))[0][:2] == (3, 2)


def test_app_reads_only_visible_summary_rows(db: DatabaseUrls, factory: Factory) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    own = factory.property(manager=manager)
    factory.property()
    with psycopg.connect(db.app) as conn:
        conn.execute(SET_CONTEXT_SQL, Actor(user_id=manager.id, context="test").params())
        conn.execute("SELECT refresh_property_summary(false)")
        assert [r[0] for r in conn.execute("SELECT id FROM property_summary_visible")] == [own]
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("SELECT id FROM property_summary")
