"""Scope lines in the database: the turn amount is their sum whoever writes, approval keeps
each line's approved amount, and the row policies give each role the lines it should have."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from uuid import UUID

import psycopg
import pytest

from tests.db.test_security import act_as
from tests.fixtures.factory import Factory
from turns.db.urls import DatabaseUrls

INSERT = (
    "INSERT INTO scope_lines (turn_id, trade, description, quantity, unit, unit_cost, vendor_id)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id"
)


@pytest.fixture
def app_conn(db: DatabaseUrls) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(db.app) as conn:
        yield conn


def _amount(factory: Factory, turn: UUID) -> object:
    return factory.query("SELECT turn_amount FROM turns WHERE id = %s", (turn,))[0][0]


def test_turn_amount_is_the_sum_of_the_lines(factory: Factory, app_conn: psycopg.Connection) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    turn = factory.turn(factory.property(manager))
    act_as(app_conn, manager)
    paint = app_conn.execute(INSERT, (turn, "PAINT", "Walls", "3.5", "room", "210.333", None)).fetchone()
    app_conn.execute(INSERT, (turn, "CLEANING", "Deep clean", "1", "each", "180", None))
    app_conn.commit()
    # 3.5 x 210.33 = 736.155, rounded to cents; plus 180.
    assert _amount(factory, turn) == Decimal("916.16")
    property_id = factory.query("SELECT property_id FROM turns WHERE id = %s", (turn,))[0][0]
    assert factory.query("SELECT DISTINCT property_id FROM scope_lines WHERE turn_id = %s", (turn,)) == [(property_id,)]

    act_as(app_conn, manager)
    with pytest.raises(psycopg.errors.CheckViolation) as refused:
        app_conn.execute("UPDATE turns SET turn_amount = 50 WHERE id = %s", (turn,))
    assert refused.value.diag.column_name == "turn_amount"
    app_conn.rollback()

    assert paint is not None
    act_as(app_conn, manager)
    app_conn.execute("DELETE FROM scope_lines WHERE id = %s", (paint[0],))
    app_conn.commit()
    assert _amount(factory, turn) == Decimal("180.00")
    act_as(app_conn, manager)
    app_conn.execute("DELETE FROM scope_lines WHERE turn_id = %s", (turn,))
    app_conn.commit()
    assert _amount(factory, turn) is None


def test_approval_keeps_each_lines_approved_amount(factory: Factory, app_conn: psycopg.Connection) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    turn = factory.turn(factory.property(manager), scope_approval_status="DFO_APPROVAL_NEEDED")
    act_as(app_conn, manager)
    line = app_conn.execute(INSERT, (turn, "FLOORING", "LVP", "100", "sq ft", "4.25", None)).fetchone()
    app_conn.commit()
    assert line is not None
    assert factory.query("SELECT approved_amount FROM scope_lines WHERE id = %s", (line[0],)) == [(None,)]
    dfo = factory.user("DFO_APPROVER")
    act_as(app_conn, dfo)
    app_conn.execute(
        "UPDATE turns SET scope_approval_status = 'DFO_APPROVED', approved_turn_amount = turn_amount WHERE id = %s",
        (turn,),
    )
    app_conn.commit()
    assert factory.query("SELECT approved_amount FROM scope_lines WHERE id = %s", (line[0],)) == [(Decimal("425.00"),)]

    # The line grows past what was approved: the scope goes back to the DFO.
    act_as(app_conn, manager)
    app_conn.execute("UPDATE scope_lines SET quantity = 120 WHERE id = %s", (line[0],))
    app_conn.commit()
    assert factory.query("SELECT turn_amount, scope_approval_status::text FROM turns WHERE id = %s", (turn,)) == [
        (Decimal("510.00"), "DFO_APPROVAL_NEEDED")
    ]


def test_row_policies_per_role(factory: Factory, app_conn: psycopg.Connection) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    other_manager = factory.user("PROPERTY_MANAGER")
    factory.property(other_manager)
    vendor = factory.user("VENDOR")
    other_vendor = factory.user("VENDOR")
    dfo = factory.user("DFO_APPROVER")
    admin = factory.user("ADMIN")
    turn = factory.turn(factory.property(manager), vendor_id=vendor.vendor_id)
    act_as(app_conn, admin)
    mine = app_conn.execute(INSERT, (turn, "PAINT", "Walls", "1", "each", "100", vendor.vendor_id)).fetchone()
    app_conn.execute(INSERT, (turn, "HVAC", "Service", "1", "each", "90", other_vendor.vendor_id))
    app_conn.commit()
    assert mine is not None

    seen = {}
    for name, user in {
        "admin": admin,
        "manager": manager,
        "other_manager": other_manager,
        "vendor": vendor,
        "other_vendor": other_vendor,
        "dfo": dfo,
    }.items():
        act_as(app_conn, user)
        seen[name] = sorted(
            str(r[0]) for r in app_conn.execute("SELECT trade FROM scope_lines WHERE turn_id = %s", (turn,))
        )
        app_conn.rollback()
    assert seen == {
        "admin": ["HVAC", "PAINT"],
        "manager": ["HVAC", "PAINT"],
        "other_manager": [],
        "vendor": ["PAINT"],
        "other_vendor": [],  # its line is on a turn not assigned to its company
        "dfo": ["HVAC", "PAINT"],
    }

    # Writers: the manager and admins; not another manager, not the DFO.
    for user in (other_manager, dfo):
        act_as(app_conn, user)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app_conn.execute(INSERT, (turn, "PAINT", "More", "1", "each", "1", None))
        app_conn.rollback()
        act_as(app_conn, user)
        assert app_conn.execute("UPDATE scope_lines SET description = 'x' WHERE turn_id = %s", (turn,)).rowcount == 0
        app_conn.rollback()

    # The vendor marks its line done, and changes nothing else.
    act_as(app_conn, vendor)
    done = app_conn.execute(
        "UPDATE scope_lines SET status = 'DONE', done_at = now() WHERE turn_id = %s", (turn,)
    ).rowcount
    app_conn.commit()
    assert done == 1
    assert factory.query("SELECT trade, status FROM scope_lines WHERE turn_id = %s ORDER BY trade", (turn,)) == [
        ("HVAC", "OPEN"),
        ("PAINT", "DONE"),
    ]
    act_as(app_conn, vendor)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_conn.execute("UPDATE scope_lines SET unit_cost = 1000 WHERE id = %s", (mine[0],))
    app_conn.rollback()
    act_as(app_conn, vendor)
    assert app_conn.execute("DELETE FROM scope_lines WHERE id = %s", (mine[0],)).rowcount == 0
    app_conn.commit()
    assert _amount(factory, turn) == Decimal("190.00")


def test_an_unchanged_write_is_no_new_version(factory: Factory, app_conn: psycopg.Connection) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    turn = factory.turn(factory.property(manager))
    act_as(app_conn, manager)
    line = app_conn.execute(INSERT, (turn, "PAINT", "Walls", "2", "each", "10", None)).fetchone()
    app_conn.commit()
    assert line is not None
    act_as(app_conn, manager)
    app_conn.execute("UPDATE scope_lines SET quantity = 2, unit_cost = 10 WHERE id = %s", (line[0],))
    app_conn.commit()
    assert factory.query("SELECT version FROM scope_lines WHERE id = %s", (line[0],)) == [(1,)]
    audits = factory.query("SELECT action::text FROM audit_logs WHERE record_id = %s", (line[0],))
    assert audits == [("CREATE",)]
