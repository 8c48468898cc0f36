"""How many times a request waits for the database: each wait is a network round trip, which
under load costs more than the statement behind it. Counted on the wire (libpq's protocol
trace of every connection the API server opens): one ``Query`` message or one ``Sync`` is one
round trip, however many statements a pipeline sends before its ``Sync``."""

from __future__ import annotations

import os
import typing
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import event

from tests.fixtures.api import token
from tests.fixtures.factory import Factory
from tests.fixtures.server import running
from turns.app import create_app
from turns.auth.dependencies import current_user
from turns.auth.transaction import ReadTransaction, Transaction
from turns.db.engines import Database
from turns.db.urls import DatabaseUrls


class Wire:
    """The protocol messages the API server's primary connections send, traced into one file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def watch(self, database: Database) -> None:
        pool = database.primary.sync_engine.pool

        def traced(dbapi_connection: Any, *ignored: Any) -> None:
            dbapi_connection.driver_connection.pgconn.trace(self.fd)
            dbapi_connection.driver_connection.pgconn.set_trace_flags(1)  # no timestamps

        def flushed(dbapi_connection: Any, *ignored: Any) -> None:
            if dbapi_connection is None:  # closed, not returned
                return
            # libpq writes the trace through a buffered stream: untracing flushes it.
            dbapi_connection.driver_connection.pgconn.untrace()
            traced(dbapi_connection)

        event.listen(pool, "connect", traced)
        event.listen(pool, "checkin", flushed)

    def round_trips(self) -> int:
        """Round trips traced so far: each simple query, and each ``Sync`` of the extended protocol."""
        messages = [line.split("\t") for line in self.path.read_text().splitlines()]
        return sum(1 for m in messages if len(m) > 2 and m[0] == "F" and m[2] in ("Query", "Sync"))

    def close(self) -> None:
        os.close(self.fd)


@pytest.fixture
def wire(db: DatabaseUrls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[httpx.Client, Wire]]:
    """A client of a server of its own, whose every primary connection is traced from its first byte."""
    traced = Wire(tmp_path / "wire.trace")
    opened = Database.connect

    def connect(*args: Any, **kwargs: Any) -> Database:
        database = opened(*args, **kwargs)
        traced.watch(database)
        return database

    monkeypatch.setattr(Database, "connect", connect)
    with running(db) as server, httpx.Client(base_url=server.base_url, timeout=30) as http:
        yield http, traced
    traced.close()


def _trips(wire: Wire, send: Any) -> int:
    before = wire.round_trips()
    response = send()
    assert response.status_code == 200, response.text
    return wire.round_trips() - before


def test_requests_wait_for_the_database_few_times(wire: tuple[httpx.Client, Wire], factory: Factory) -> None:
    http, traced = wire
    manager = factory.user("PROPERTY_MANAGER")
    turn = factory.turn(factory.property(manager, None))
    headers = token(http, manager)
    version = http.get(f"/api/v1/turns/{turn}", headers=headers).json()["version"]

    def update(n: int) -> httpx.Response:
        return http.patch(f"/api/v1/turns/{turn}", headers=headers, json={"wo_number": f"WO-{n}", "version": n})

    assert version == 1
    updates = [_trips(traced, lambda n=n: update(n)) for n in (1, 2, 3)]
    lists = [_trips(traced, lambda: http.get("/api/v1/turns", headers=headers, params={"limit": 50})) for _ in "abc"]
    # BEGIN with the session's resolution and the acting user's settings; the turn as it is (the
    # rules compare with it); the versioned UPDATE ... RETURNING; COMMIT.
    assert updates == [4, 4, 4]
    # BEGIN, session and settings; the page; COMMIT.
    assert lists == [3, 3, 3]
    stages = [_trips(traced, lambda: http.get("/api/v1/turn-stages", headers=headers)) for _ in "abc"]
    # The read path without a replica: BEGIN with READ ONLY, the session and the settings; the
    # page; COMMIT. (With a replica the session is resolved on the primary first: a replica may
    # lag behind a sign-in or a sign-out.)
    assert stages == [3, 3, 3]
    searches = [
        _trips(traced, lambda: http.get("/api/v1/search", headers=headers, params={"q": "Mapel"})) for _ in "ab"
    ]
    # The same, the search being one statement (its similarity threshold is the function's own).
    assert searches == [3, 3]


def test_connections_the_server_closed_are_replaced_unseen(
    wire: tuple[httpx.Client, Wire], factory: Factory, db: DatabaseUrls
) -> None:
    """The pool asks nothing of a connection before lending it (no ping), so a connection the server
    has closed while it was idle (a restart, a pooler's idle timeout) must be noticed otherwise."""
    http, _ = wire
    headers = token(http, factory.user("PROPERTY_MANAGER"))
    with ThreadPoolExecutor(8) as pool:  # several connections in the pool
        assert {r.status_code for r in pool.map(lambda _: http.get("/api/v1/turns", headers=headers), range(16))} == {
            200
        }
    api = "datname = current_database() AND application_name = 'turns-api'"
    with psycopg.connect(db.superuser or "", autocommit=True) as conn:
        closed = conn.execute(
            f"SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE {api}"
        ).fetchone()
        assert closed is not None and closed[0] >= 2
        left = conn.execute(f"SELECT count(*) FROM pg_stat_activity WHERE {api}").fetchone()
        assert left == (0,)
    statuses = [http.get("/api/v1/turns", headers=headers).status_code for _ in range(20)]
    assert statuses == [200] * 20


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from _routes(included.routes)


def _calls(dependant: Any) -> Iterator[Any]:
    """The dependencies of an endpoint, in the order FastAPI resolves them."""
    for sub in dependant.dependencies:
        yield from _calls(sub)
        yield sub.call


def test_every_endpoint_with_a_transaction_resolves_the_session_in_it() -> None:
    """An endpoint that asks for the user before its transaction resolves the session on a
    connection of its own first (correct, but two more round trips)."""
    transactions = {typing.get_args(kind)[1].dependency for kind in (Transaction, ReadTransaction)}
    first = {}
    for route in _routes(create_app().routes):
        calls = list(_calls(route.dependant))
        opened = [calls.index(transaction) for transaction in transactions if transaction in calls]
        if opened and current_user in calls:
            first[f"{' '.join(sorted(route.methods or ()))} {route.path}"] = calls.index(current_user) < min(opened)
    assert len(first) > 60
    assert [route for route, early in first.items() if early] == []
