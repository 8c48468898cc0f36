"""Sync under stress: restarts mid-burst, big transactions, a lost slot, hostile filters."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.fixtures.api import session_token
from tests.fixtures.factory import Factory, bearer, login
from tests.fixtures.server import LiveServer
from tests.fixtures.sync import sync_server, wait_ready
from tests.sync.node import NodeClient, State, ids
from tests.sync.shape_http import refused_as_electric
from turns.db.context import SET_CONTEXT_SQL, system_actor
from turns.db.urls import DatabaseUrls


def _vendor_ids(factory: Factory) -> set[str]:
    return {str(r[0]) for r in factory.query("SELECT id FROM vendors")}


def _burst(urls: DatabaseUrls, count: int, done: threading.Event) -> None:
    """``count`` small transactions through the owner role (each audited), one after another."""
    with psycopg.connect(urls.owner, autocommit=True) as conn:
        for n in range(count):
            with conn.transaction():
                conn.execute(SET_CONTEXT_SQL, system_actor("burst").params())
                conn.execute("INSERT INTO vendors (company_name) VALUES (%s)", (f"Burst {n}",))
                if n % 3 == 0:
                    conn.execute(
                        "UPDATE vendors SET city = %s WHERE company_name = %s", (f"City {n}", f"Burst {n - 3}")
                    )
                if n % 7 == 0:
                    conn.execute("DELETE FROM vendors WHERE company_name = %s", (f"Burst {n - 1}",))
    done.set()


def test_restart_in_the_middle_of_a_write_burst(
    db: DatabaseUrls, factory: Factory, tmp_path: Path, clients: list[NodeClient]
) -> None:
    admin = factory.user("ADMIN")
    first = sync_server(db, tmp_path / "sync")
    first.start()
    wait_ready(first.base_url)
    token = session_token(first.base_url, admin)
    client = NodeClient(first.base_url, token, "vendors")
    clients.append(client)
    client.wait_for(lambda s: True)
    done = threading.Event()
    writer = threading.Thread(target=_burst, args=(db, 400, done))
    writer.start()
    client.wait_for(lambda s: len(s["rows"]) > 30)
    first.stop()  # mid-burst: the writer goes on while no sync server runs
    second = sync_server(db, tmp_path / "sync", port=first.port)
    second.start()
    try:
        wait_ready(second.base_url)
        writer.join(timeout=120)
        assert done.is_set()
        expected = _vendor_ids(factory)
        state = client.wait_for(lambda s: ids(s) == expected, timeout=60)
        assert state["counts"]["duplicate"] == 0 and state["counts"]["missing"] == 0
        cities = dict(factory.query("SELECT id::text, city FROM vendors WHERE city IS NOT NULL"))
        assert {row["id"]: row["city"] for row in state["rows"].values() if row["city"]} == cities
    finally:
        second.stop()


def test_a_big_transaction_arrives_as_one_step(synced: LiveServer, factory: Factory, clients: list[NodeClient]) -> None:
    admin = factory.user("ADMIN")
    factory.query("INSERT INTO vendors (company_name) SELECT 'Bulk ' || n FROM generate_series(1, 3000) n RETURNING id")
    token = session_token(synced.base_url, admin)
    client = NodeClient(synced.base_url, token, "vendors")
    clients.append(client)
    client.wait_for(lambda s: len(s["rows"]) >= 3000)
    seen: list[int] = []

    def moved(state: State) -> bool:
        count = sum(1 for row in state["rows"].values() if row["city"] == "Moved")
        seen.append(count)
        return count == 3000

    factory.query("UPDATE vendors SET city = 'Moved' WHERE company_name LIKE 'Bulk %' RETURNING id")
    client.wait_for(moved, timeout=60)
    assert set(seen) <= {0, 3000}  # never a state with part of the transaction applied


def test_a_lost_slot_makes_clients_refetch(
    synced: LiveServer, db: DatabaseUrls, factory: Factory, clients: list[NodeClient]
) -> None:
    admin = factory.user("ADMIN")
    token = session_token(synced.base_url, admin)
    client = NodeClient(synced.base_url, token, "vendors")
    clients.append(client)
    client.wait_for(lambda s: True)
    slot = synced.app_settings.sync_slot
    for _ in range(100):  # the engine streams the slot: its connection is ended first, as an operator would
        factory.query("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = %s", (slot,))
        try:
            factory.query("SELECT pg_drop_replication_slot(%s)", (slot,))
            break
        except psycopg.errors.ObjectInUse:
            time.sleep(0.05)
    added = factory.vendor()
    state = client.wait_for(lambda s: str(added) in ids(s), timeout=60)
    assert state["counts"]["mustRefetch"] >= 1
    assert ids(state) == _vendor_ids(factory)


@pytest.mark.parametrize(
    ("where", "status"),
    [
        ("id IN (SELECT id FROM users)", 400),
        ("company_name = 'x'; DROP TABLE vendors", 400),
        ("company_name = 'x' -- ", 400),
        ("pg_sleep(5) IS NULL", 400),
        ("company_name = current_user", 400),
        ("1 = 1) OR (1 = 1", 400),
        ("company_name = $3", 400),
        ("average_rating > 'abc'", 400),
    ],
)
def test_hostile_where_clauses_are_refused(
    sync_client: httpx.Client, factory: Factory, where: str, status: int
) -> None:
    factory.vendor(company_name="Secret Co")
    headers = bearer(login(sync_client, factory.user("ADMIN")))
    response = sync_client.get(
        "/v1/shape", params={"table": "vendors", "offset": "-1", "where": where, "params[1]": "x"}, headers=headers
    )
    assert refused_as_electric(response, status)["where"]
    assert "Secret Co" not in response.text


def test_unsynced_tables_and_unreadable_columns_are_refused(sync_client: httpx.Client, factory: Factory) -> None:
    headers = bearer(login(sync_client, factory.user("VENDOR", vendor_id=factory.vendor())))
    for table in ("sessions", "audit_logs", "public.outbox", "pg_catalog.pg_authid"):
        response = sync_client.get("/v1/shape", params={"table": table, "offset": "-1"}, headers=headers)
        assert response.status_code == 400, table
    refused = [
        {"table": "turns", "columns": '"id","turn_amount"'},
        {"table": "turns", "where": "approved_turn_amount > 0"},
        {"table": "users", "columns": '"id","password_hash"'},
    ]
    for params in refused:
        response = sync_client.get("/v1/shape", params={**params, "offset": "-1"}, headers=headers)
        assert response.status_code in (400, 403), params
        refused_as_electric(response, response.status_code)
    sync_client.cookies.clear()
    anonymous = sync_client.get("/v1/shape", params={"table": "turns", "offset": "-1"})
    assert anonymous.status_code == 401


def test_a_log_that_cannot_be_appended_is_built_again(
    synced: LiveServer, factory: Factory, clients: list[NodeClient]
) -> None:
    """The disk refuses a step's bytes (the shape's log is made ``/dev/full``, which answers every
    write with ENOSPC): that shape is removed, its client refetches and gets every row from a
    new log, and the other shapes go on."""
    admin = factory.user("ADMIN")
    token = session_token(synced.base_url, admin)
    vendors = NodeClient(synced.base_url, token, "vendors")
    clients.append(vendors)
    vendors.wait_for(lambda s: True)
    assert synced.app_settings.sync_dir is not None
    [log] = synced.app_settings.sync_dir.glob("*/logs/*.log")
    others = NodeClient(synced.base_url, token, "users")
    clients.append(others)
    others.wait_for(lambda s: True)
    log.unlink()
    log.symlink_to("/dev/full")
    added = factory.vendor()
    state = vendors.wait_for(lambda s: str(added) in ids(s), timeout=60)
    # One shape was given up, not the engine's step (which would stop every shape until it restarts).
    assert synced.app.state.sync.failed_steps == 0
    assert state["counts"]["mustRefetch"] >= 1
    assert ids(state) == _vendor_ids(factory)
    assert not log.exists()  # (the removed shape's file is gone; the new one has a name of its own)
    user = factory.user("INSPECTOR")
    assert others.wait_for(lambda s: str(user.id) in ids(s), timeout=60)["counts"]["mustRefetch"] == 0


def test_a_step_stuck_on_a_lock_does_not_hold_up_a_stop(
    db: DatabaseUrls, factory: Factory, tmp_path: Path, clients: list[NodeClient]
) -> None:
    """A step that cannot finish (its read as a manager waits on a lock) is cancelled once the
    engine's grace after a stop is over: the server stops, and the next one gives the manager
    the rows the cancelled step was reading, once."""
    manager, other = factory.user("PROPERTY_MANAGER"), factory.user("PROPERTY_MANAGER")
    home = factory.property(manager=manager)
    factory.turn(home)
    theirs = factory.property(manager=other)
    moving = str(factory.turn(theirs))
    first = sync_server(db, tmp_path / "sync")
    first.start()
    wait_ready(first.base_url)
    client = NodeClient(first.base_url, session_token(first.base_url, manager), "turns")
    clients.append(client)
    client.wait_for(lambda s: len(s["rows"]) == 1)
    with psycopg.connect(db.owner) as lock:
        lock.execute("LOCK TABLE turns IN ACCESS EXCLUSIVE MODE")
        # The other manager's home becomes this manager's: the engine reads its turns as them.
        factory.query("UPDATE properties SET property_manager_id = %s WHERE id = %s RETURNING id", (manager.id, theirs))
        waiting = "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'turns'::regclass"
        for _ in range(300):
            if factory.query(waiting) != [(0,)]:
                break
            time.sleep(0.05)
        assert factory.query(waiting) != [(0,)]
        first.stop()
        assert not first.thread.is_alive()
    second = sync_server(db, tmp_path / "sync", port=first.port)
    second.start()
    try:
        wait_ready(second.base_url)
        state = client.wait_for(lambda s: moving in ids(s), timeout=60)
        assert len(state["rows"]) == 2 and state["counts"]["duplicate"] == 0
    finally:
        second.stop()
