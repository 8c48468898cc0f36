"""The system under failure: the primary restarted under write load, the API killed mid-request.

These run against a PostgreSQL of their own (restarting the shared test server would
disturb every other test).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.fixtures.database import ROOT
from tests.fixtures.factory import Factory, bearer, login
from tests.fixtures.server import LiveServer
from turns.db import migrate
from turns.db.embedded import EmbeddedPostgres, free_port
from turns.db.urls import DatabaseUrls, bootstrap_embedded, embedded_urls


@pytest.fixture(scope="module")
def own_server() -> Iterator[EmbeddedPostgres]:
    data_dir = ROOT / ".turns" / f"faults-{os.getpid()}"
    server = EmbeddedPostgres(data_dir, fast=True)
    server.ensure_running()
    bootstrap_embedded(server)
    migrate.upgrade(embedded_urls(server).owner)
    try:
        yield server
    finally:
        server.stop("immediate")
        subprocess.run(["rm", "-rf", str(data_dir)], check=False)


@pytest.fixture
def own_urls(own_server: EmbeddedPostgres) -> DatabaseUrls:
    own_server.ensure_running()
    return embedded_urls(own_server)


def _wait_until(condition: Any, timeout: float = 30.0, message: Any = lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached in time {message()}")
        time.sleep(0.05)


def test_primary_restart_under_write_load(own_server: EmbeddedPostgres, own_urls: DatabaseUrls) -> None:
    factory = Factory(own_urls)
    admin = factory.user("ADMIN")
    server = LiveServer(own_urls)
    server.start()
    acknowledged: list[str] = []
    statuses: list[int] = []
    stop = threading.Event()
    try:
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            headers = bearer(login(client, admin))
        client.cookies.clear()

        def writer(n: int) -> None:
            with httpx.Client(base_url=server.base_url, timeout=10) as http:
                i = 0
                while not stop.is_set() and i < 2000:
                    i += 1
                    response = http.post(
                        "/api/v1/properties",
                        headers=headers,
                        json={"property_id": f"F-{n}-{i}", "name": "x", "street_address": "1 St"},
                    )
                    statuses.append(response.status_code)
                    if response.status_code == 201:
                        acknowledged.append(response.json()["id"])
                    else:
                        assert response.headers["content-type"] == "application/problem+json"
                        time.sleep(0.05)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        _wait_until(lambda: len(acknowledged) >= 20)
        own_server.stop("fast")
        _wait_until(lambda: statuses[-4:] == [503] * 4, message=lambda: str(sorted(set(statuses))))
        down_count = len(statuses)
        time.sleep(0.5)
        assert statuses[down_count:].count(503) == len(statuses[down_count:])  # still down: only 503s
        own_server.ensure_running()
        before = len(acknowledged)
        _wait_until(lambda: len(acknowledged) >= before + 20)  # recovered by itself
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        stop.set()
        server.stop()
    assert 503 in statuses
    assert set(statuses) <= {201, 503}, sorted(set(statuses))  # never a 500, never a hang
    with psycopg.connect(own_urls.superuser or "") as conn:
        stored = {str(r[0]) for r in conn.execute("SELECT id FROM properties WHERE property_id LIKE 'F-%'")}
    assert set(acknowledged) <= stored
    assert len(acknowledged) == len(set(acknowledged))


def test_api_killed_mid_request_leaves_no_partial_write(own_urls: DatabaseUrls, tmp_path: Path) -> None:
    factory = Factory(own_urls)
    manager = factory.user("PROPERTY_MANAGER")
    turn_id = factory.turn(factory.property(manager), stage=1)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": own_urls.owner,
        "DATABASE_POOLED_URL": own_urls.app,
        "ELECTRIC_DATABASE_URL": own_urls.replication,
        "TURNS_PORT": str(port),
        "TURNS_RUN_WORKER": "false",
        "TURNS_WORKERS": "1",  # the process killed is the one holding the request
    }
    api = subprocess.Popen(
        [str(Path(sys.executable).parent / "turns"), "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until(lambda: _ready(base), message=lambda: f"(exit code {api.poll()})")
        with httpx.Client(base_url=base, timeout=30) as client:
            headers = bearer(login(client, manager))
        audit_before = factory.query("SELECT count(*) FROM audit_logs")[0][0]
        with psycopg.connect(own_urls.superuser or "") as blocker:
            blocker.execute("SELECT id FROM turns WHERE id = %s FOR UPDATE", (turn_id,))
            request = threading.Thread(
                target=lambda: _swallow(
                    lambda: httpx.post(
                        f"{base}/api/v1/turns/{turn_id}/transition",
                        headers=headers,
                        timeout=30,
                        json={"to_stage_id": str(factory.stage_id(2)), "version": 1, "note": "half done"},
                    )
                ),
            )
            request.start()
            # The API's transaction has set its context and is waiting on the row lock.
            _wait_until(
                lambda: (
                    factory.query(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'turns-api'"
                        " AND wait_event_type = 'Lock'"
                    )[0][0]
                    == 1
                )
            )
            api.send_signal(signal.SIGKILL)
            api.wait(timeout=30)
            blocker.rollback()
        request.join(timeout=30)
        _wait_until(
            lambda: (
                factory.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'turns-api'")[0][0] == 0
            )
        )
    finally:
        if api.poll() is None:
            api.kill()
        api.wait(timeout=30)  # reaped here, or its Popen warns later in whatever test collects it
    assert factory.query("SELECT stage_id, version FROM turns WHERE id = %s", (turn_id,)) == [(factory.stage_id(1), 1)]
    assert factory.query("SELECT count(*) FROM turn_stage_history WHERE turn_id = %s", (turn_id,)) == [(1,)]
    assert factory.query("SELECT count(*) FROM audit_logs")[0][0] == audit_before
    assert factory.query("SELECT count(*) FROM notifications WHERE turn_id = %s", (turn_id,)) == [(0,)]


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _swallow(call: Any) -> None:
    with contextlib.suppress(httpx.HTTPError):
        call()
