"""The admin-wide report snapshots: what an admin reads equals the report computed directly (the
report's own query under RLS, as that admin), before and after writes once the job has run; a
manager's reports stay computed on request over their properties; only admins read snapshots."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from tests.fixtures.factory import Factory, User
from tests.fixtures.server import LiveServer
from tests.photos.conftest import defer, run_jobs
from tests.reports.data import World
from tests.reports.helpers import Report, refused
from turns.access.identity import CurrentUser
from turns.auth.transaction import open_transaction
from turns.db.context import SET_CONTEXT_SQL, Actor, system_actor
from turns.db.engines import LARGE_VALUE, Database
from turns.db.urls import DatabaseUrls
from turns.reports.filters import ReportFilters
from turns.reports.snapshots import SNAPSHOTS, stored
from turns.reports.tasks import REFRESH_REPORT_SNAPSHOTS


def direct(db: DatabaseUrls, user: User) -> dict[str, Any]:
    """Every snapshotted report computed now by its own query, as ``user`` under RLS, unfiltered."""
    caller = CurrentUser(id=user.id, email=user.email, role=user.role, vendor_id=user.vendor_id, session_id=user.id)

    async def work() -> dict[str, Any]:
        database = Database.connect(db, pool_size=1)
        try:
            async with open_transaction(database, Actor(user_id=user.id, context="test"), read_only=True) as conn:
                return {
                    name: (await build(conn, caller, ReportFilters())).model_dump(mode="json", exclude={"as_of"})
                    for name, build in SNAPSHOTS.items()
                }
        finally:
            await database.dispose()

    return asyncio.run(work())


def answers(report: Report, user: User) -> tuple[dict[str, Any], dict[str, datetime]]:
    """Every snapshotted report as the API answers ``user``, and each one's ``as_of``."""
    bodies = {}
    for name in SNAPSHOTS:
        response = report(user, name)
        assert response.status_code == 200, response.text
        bodies[name] = response.json()
    return {n: {k: v for k, v in b.items() if k != "as_of"} for n, b in bodies.items()}, {
        n: datetime.fromisoformat(b["as_of"]) for n, b in bodies.items()
    }


def refresh(server: LiveServer, db: DatabaseUrls) -> None:
    defer(db, REFRESH_REPORT_SNAPSHOTS, timestamp=0)
    run_jobs(server, db)


def write(db: DatabaseUrls, statement: str) -> None:
    """Change the data as the system user, with every trigger (the stage history's) firing."""
    with psycopg.connect(db.owner) as conn:
        conn.execute(SET_CONTEXT_SQL, system_actor("test").params())
        conn.execute(statement.encode())


def stage(order: int) -> str:
    return f"(SELECT id FROM turn_stages WHERE display_order = {order})"


def upkeep_is_exact(
    report: Report, server: LiveServer, db: DatabaseUrls, admin: User, manager: User, writes: list[str]
) -> None:
    """Each role's reports equal the direct computation before the job has run, after it, and
    after ``writes`` (statements run one by one) once it has run again; until then an admin
    reads the snapshot of its as_of while a manager reads the present."""
    before = direct(db, admin)
    # No snapshot yet: computed on request, the same figures.
    assert answers(report, admin)[0] == before
    refresh(server, db)
    taken, first_as_of = answers(report, admin)
    assert taken == before
    assert answers(report, manager)[0] == direct(db, manager)
    managed_before = direct(db, manager)
    for statement in writes:
        write(db, statement)
    after, managed_after = direct(db, admin), direct(db, manager)
    assert after != before
    assert managed_after != managed_before
    assert answers(report, admin) == (before, first_as_of)
    assert answers(report, manager)[0] == managed_after
    refresh(server, db)
    refreshed, as_of = answers(report, admin)
    assert refreshed == after
    assert all(as_of[name] > first_as_of[name] for name in SNAPSHOTS)
    # A filtered admin report is computed now.
    filtered = report(admin, "turn-time", market="Atlanta").json()
    assert datetime.fromisoformat(filtered["as_of"]) > as_of["turn-time"]


def test_snapshots_equal_the_direct_computation_before_and_after_writes(
    world: World, report: Report, live_server: LiveServer, db: DatabaseUrls
) -> None:
    ids = {name: f"'{value}'" for name, value in world.ids.items()}
    # A stage move, a completion, a vendor and a property reassignment, a move-in, a delete.
    writes = [
        f"UPDATE turns SET stage_id = {stage(3)} WHERE id = {ids['a2']}",
        f"UPDATE turns SET stage_id = {stage(4)} WHERE id = {ids['a1']}",
        "UPDATE turns SET turn_completion_date = current_date, is_active = false, change_order_amount = 125"
        f" WHERE id = {ids['a3']}",
        f"UPDATE turns SET vendor_id = {ids['v2']} WHERE id = {ids['t2']}",
        f"UPDATE turns SET property_id = {ids['p1']} WHERE id = {ids['t4']}",
        f"UPDATE properties SET move_in_date = '2024-02-15' WHERE id = {ids['p2']}",
        f"DELETE FROM turns WHERE id = {ids['t1']}",
    ]
    upkeep_is_exact(report, live_server, db, world.admin, world.manager, writes)


def test_snapshots_on_the_demo_data(
    demo: dict[str, Any], factory: Factory, report: Report, live_server: LiveServer, db: DatabaseUrls
) -> None:
    """The same on the demo data (a manager given the first twenty properties)."""
    admin, manager = factory.user("ADMIN"), factory.user("PROPERTY_MANAGER")
    mine = "(SELECT id FROM properties ORDER BY property_id LIMIT 20)"
    write(db, f"UPDATE properties SET property_manager_id = '{manager.id}' WHERE id IN {mine}")
    active = f"SELECT id FROM turns WHERE is_active AND property_id IN {mine} ORDER BY turn_id"
    writes = [
        f"UPDATE turns SET stage_id = {stage(3)} WHERE id = ({active} LIMIT 1)",
        "UPDATE turns SET turn_completion_date = current_date, is_active = false"
        f" WHERE id = ({active} OFFSET 1 LIMIT 1)",
        "UPDATE turns SET vendor_id = (SELECT id FROM vendors ORDER BY company_name LIMIT 1)"
        f" WHERE id = ({active} OFFSET 2 LIMIT 1)",
        f"UPDATE turns SET property_id = (SELECT id FROM {mine} p LIMIT 1) WHERE id = ({active} OFFSET 3 LIMIT 1)",
        f"UPDATE properties SET move_in_date = current_date WHERE id IN (SELECT id FROM {mine} p OFFSET 4 LIMIT 2)",
        f"DELETE FROM turns WHERE id = ({active} OFFSET 4 LIMIT 1)",
    ]
    upkeep_is_exact(report, live_server, db, admin, manager, writes)


def test_only_admins_read_snapshots(world: World, report: Report, live_server: LiveServer, db: DatabaseUrls) -> None:
    refresh(live_server, db)
    counted = "SELECT count(*) FROM report_snapshots"
    for user, seen in ((world.admin, len(SNAPSHOTS)), (world.manager, 0), (world.vendor_user, 0), (world.plain, 0)):
        with psycopg.connect(db.app) as conn:
            conn.execute(SET_CONTEXT_SQL, Actor(user_id=user.id, context="test").params())
            assert conn.execute(counted).fetchone() == (seen,)
    # The vendor's refusals are unchanged, snapshot or not.
    refused(report(world.vendor_user, "vendors"), 403)
    refused(report(world.vendor_user, "cost"), 403)
    # A manager's figures stay their own properties'.
    assert answers(report, world.manager)[0] == direct(db, world.manager)
    assert answers(report, world.plain)[0] == direct(db, world.plain)


def test_snapshot_writes_are_admins_only(world: World, db: DatabaseUrls) -> None:
    with psycopg.connect(db.app) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(SET_CONTEXT_SQL, Actor(user_id=world.manager.id, context="test").params())
        conn.execute("INSERT INTO report_snapshots VALUES ('cost', '{}', now())")


def test_a_connection_that_read_a_snapshot_of_megabytes_is_not_lent_again(world: World, db: DatabaseUrls) -> None:
    """libpq keeps a connection's buffer at the size of the largest message it carried: the pooled
    connection that read a snapshot of a megabyte or more is closed once its transaction is over,
    one that read a small snapshot is lent again."""
    cards = [{"company_name": f"Vendor {n:05}", "jobs": n} for n in range(LARGE_VALUE // 30)]
    with psycopg.connect(db.owner) as conn:
        conn.execute(SET_CONTEXT_SQL, system_actor("test").params())
        conn.execute(
            "INSERT INTO report_snapshots VALUES ('vendors', %s, now()), ('cost', '{\"count\": 0}', now())",
            (json.dumps({"vendors": cards}),),
        )
    admin = world.admin
    caller = CurrentUser(id=admin.id, email=admin.email, role=admin.role, vendor_id=None, session_id=admin.id)

    async def reads() -> list[tuple[int, str]]:
        database = Database.connect(db, pool_size=1)
        try:
            seen = []
            for name in ("cost", "cost", "vendors", "cost"):
                async with open_transaction(database, Actor(user_id=admin.id, context="test"), read_only=True) as conn:
                    backend = int(await conn.scalar(text("SELECT pg_backend_pid()")) or 0)
                    seen.append((backend, await stored(conn, caller, ReportFilters(), name) or ""))
            return seen
        finally:
            await database.dispose()

    (first, small), (second, _), (third, large), (fourth, _) = asyncio.run(reads())
    assert set(json.loads(small)) == {"count", "as_of"}
    assert len(large) > LARGE_VALUE and json.loads(large)["vendors"][-1] == cards[-1]
    assert first == second == third  # lent again after small reads
    assert fourth != third  # the one that read the large snapshot was closed
