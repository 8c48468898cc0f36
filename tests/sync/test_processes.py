"""``turns serve --workers 2``: API workers serve the logs of a ``turns sync`` process.

One server of processes for the module, on the test's database: two uvicorn workers, the
sync engine, no background worker. Its processes are killed with SIGKILL, as the kernel's
out-of-memory killer or an operator would: clients carry on from their offsets with every
row exactly once, and no acknowledged write is lost.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.cli.test_cli import environment
from tests.fixtures.database import clone_database, drop_database
from tests.fixtures.factory import Factory, User, bearer, login
from tests.sync.shape_http import eventually, visible
from turns.db.embedded import EmbeddedPostgres, free_port
from turns.db.urls import DatabaseUrls, embedded_urls
from turns.sync.channel import socket_path

pytestmark = pytest.mark.xdist_group("workers")  # one server of processes for the module


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    base_url: str
    folder: Path

    def children(self, marker: str) -> list[int]:
        """The pids of the server's children whose command line holds ``marker``."""
        found = []
        for status in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = status.read_text().rsplit(")", 1)[1].split()
                command = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == self.process.pid and marker in command:
                found.append(int(status.parent.name))
        return found


@pytest.fixture(scope="module")
def module_db(pg_server: EmbeddedPostgres, template_db: str) -> Iterator[DatabaseUrls]:
    name = clone_database(pg_server, template_db)
    try:
        yield embedded_urls(pg_server, name)
    finally:
        drop_database(pg_server, name)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, module_db: DatabaseUrls) -> Iterator[tuple[Served, DatabaseUrls]]:
    db = module_db
    tmp_path = tmp_path_factory.mktemp("workers")
    port = free_port()
    name = db.app.rsplit("/", 1)[-1]
    env = environment(tmp_path, db.owner, db.app) | {
        "ELECTRIC_DATABASE_URL": db.replication,
        "TURNS_PORT": str(port),
        "TURNS_WORKERS": "2",
        "TURNS_RUN_WORKER": "false",
        "TURNS_SYNC_SLOT": f"sync_{name}",
        "TURNS_SYNC_DIR": str(tmp_path / "sync"),
        "TURNS_SYNC_POLL_SECONDS": "0.02",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "turns", "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    server = Served(process, f"http://127.0.0.1:{port}", tmp_path / "sync" / f"{name}-sync_{name}")
    try:
        _wait_active(server)
        yield server, db
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def _wait_active(server: Served, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.process.poll() is None, "turns serve stopped"
        try:
            if httpx.get(f"{server.base_url}/v1/health", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise AssertionError("sync did not become ready")


@dataclass
class Follower:
    """A shape client that keeps its offset across errors (a 503 while the engine restarts)."""

    http: httpx.Client
    token: str
    table: str
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    inserted: Counter[str] = field(default_factory=Counter)
    query: dict[str, str] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.query = {"table": self.table, "offset": "-1"}

    def step(self, live: bool = False) -> bool:
        """One request; whether it brought the shape up to date."""
        params = {**self.query, **({"live": "true"} if live else {})}
        try:
            response = self.http.get("/v1/shape", params=params, headers={"Authorization": f"Bearer {self.token}"})
        except httpx.TransportError:
            self.statuses[0] += 1
            return False
        self.statuses[response.status_code] += 1
        if response.status_code == 503:
            time.sleep(0.05)
            return False
        assert response.status_code == 200, response.text
        done = False
        for message in response.json():
            operation = message["headers"].get("operation")
            if operation == "insert":
                self.inserted[message["key"]] += 1
                self.rows[message["key"]] = message["value"]
            elif operation == "update":
                self.rows[message["key"]] = {**self.rows[message["key"]], **message["value"]}
            elif operation == "delete":
                del self.rows[message["key"]]
            elif message["headers"].get("control") == "up-to-date":
                done = True
        self.query = {
            **self.query,
            "offset": response.headers["electric-offset"],
            "handle": response.headers["electric-handle"],
        }
        return done

    def up_to_date(self) -> None:
        for _ in range(1000):
            if self.step():
                return
        raise AssertionError(f"never up to date: {self.statuses}")

    def ids(self) -> set[str]:
        return {str(row["id"]) for row in self.rows.values()}


def _codes(follower: Follower) -> set[str]:
    return {str(row.get("property_id")) for row in follower.rows.values()}


def _create(http: httpx.Client, headers: dict[str, str], code: str) -> str | None:
    try:
        response = http.post(
            "/api/v1/properties", headers=headers, json={"property_id": code, "name": code, "street_address": "1 St"}
        )
    except httpx.TransportError:
        return None  # the worker that held it was killed: not acknowledged
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _signed_in(server: Served, factory: Factory, role: str) -> tuple[User, str]:
    user = factory.user(role)
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        return user, login(http, user)


def test_two_workers_and_the_engine_are_running(served: tuple[Served, DatabaseUrls]) -> None:
    server, _ = served
    assert len(server.children("multiprocessing.spawn")) == 2
    assert len(server.children("-m turns sync")) == 1
    assert socket_path(server.folder).exists()


def test_a_change_wakes_a_long_poll_held_by_another_worker(served: tuple[Served, DatabaseUrls]) -> None:
    server, db = served
    admin, token = _signed_in(server, Factory(db), "ADMIN")
    with httpx.Client(base_url=server.base_url, timeout=60) as http:
        follower = Follower(http, token, "properties")
        follower.up_to_date()
        woke: list[float] = []

        def hold() -> None:
            started = time.monotonic()
            while not follower.step(live=True) or "W-live" not in {
                r.get("property_id") for r in follower.rows.values()
            }:
                pass
            woke.append(time.monotonic() - started)

        holder = threading.Thread(target=hold)
        holder.start()
        time.sleep(0.5)
        with httpx.Client(base_url=server.base_url, timeout=30) as writer:
            created = _create(writer, bearer(token), "W-live")
        holder.join(timeout=30)
    assert woke and woke[0] < 15, woke  # a long-poll holds 20 s: it was woken by the change
    assert created in follower.ids()
    assert follower.ids() == visible(db, admin.id, "properties")


def test_the_engine_killed_mid_snapshot_and_mid_step_clients_converge_exactly_once(
    served: tuple[Served, DatabaseUrls],
) -> None:
    server, db = served
    factory = Factory(db)
    admin, token = _signed_in(server, factory, "ADMIN")
    headers = bearer(token)
    with httpx.Client(base_url=server.base_url, timeout=60) as http:
        follower = Follower(http, token, "properties")
        follower.up_to_date()
        # Mid-snapshot: a new shape's snapshot waits on a lock when the engine is killed.
        with psycopg.connect(db.superuser or "", autocommit=False) as blocker:
            blocker.execute("LOCK TABLE vendors IN ACCESS EXCLUSIVE MODE")
            vendors = Follower(http, token, "vendors")
            asked = threading.Thread(target=vendors.step)
            asked.start()
            eventually(lambda: _snapshot_waiting(db), timeout=30)
            _kill_engine(server)
            asked.join(timeout=30)
            blocker.rollback()
        assert vendors.statuses[503] == 1, vendors.statuses
        # Mid-step: writes go on while the engine is killed again, right after it is back.
        stop = threading.Event()
        acknowledged: list[str] = []

        def write() -> None:
            with httpx.Client(base_url=server.base_url, timeout=30) as writer:
                n = 0
                while not stop.is_set():
                    n += 1
                    created = _create(writer, headers, f"K-{n}")
                    if created is not None:
                        acknowledged.append(created)

        writing = threading.Thread(target=write)
        writing.start()
        try:
            _wait_active(server)
            eventually(lambda: _grew(acknowledged, 10), timeout=30)
            _kill_engine(server)
            eventually(lambda: _grew(acknowledged, 20), timeout=30)
        finally:
            stop.set()
            writing.join(timeout=30)
        _wait_active(server)
        eventually(lambda: _converged(follower, db, admin), timeout=30)
        vendors.up_to_date()
    assert set(acknowledged) <= follower.ids()
    assert max(follower.inserted.values()) == 1, "a row was inserted twice"
    assert vendors.ids() == visible(db, admin.id, "vendors")
    assert max(vendors.inserted.values(), default=1) == 1
    # The killed snapshot's file is gone; every file left is a shape's.
    logs = {path.name for path in (server.folder / "logs").iterdir() if path.suffix == ".log"}
    assert len(logs) == 2, logs


def _snapshot_waiting(db: DatabaseUrls) -> None:
    with psycopg.connect(db.superuser or "") as conn:
        waiting = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'COPY%vendors%'"
        ).fetchone()
    assert waiting is not None and waiting[0] == 1


def _kill_engine(server: Served) -> None:
    (engine,) = server.children("-m turns sync")
    subprocess.run(["kill", "-9", str(engine)], check=True)
    eventually(lambda: _restarted(server, engine), timeout=30)


def _restarted(server: Served, killed: int) -> None:
    assert server.children("-m turns sync") not in ([], [killed])


def _grew(acknowledged: list[str], more: int) -> None:
    assert len(acknowledged) >= more


def _converged(follower: Follower, db: DatabaseUrls, admin: User) -> None:
    follower.up_to_date()
    assert follower.ids() == visible(db, admin.id, "properties")


def test_a_worker_killed_under_load_loses_no_acknowledged_write(served: tuple[Served, DatabaseUrls]) -> None:
    server, db = served
    factory = Factory(db)
    _, token = _signed_in(server, factory, "ADMIN")
    stop = threading.Event()
    acknowledged: list[str] = []

    def write(n: int) -> None:
        with httpx.Client(base_url=server.base_url, timeout=30) as writer:
            i = 0
            while not stop.is_set():
                i += 1
                created = _create(writer, bearer(token), f"L-{n}-{i}")
                if created is not None:
                    acknowledged.append(created)

    writers = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in writers:
        thread.start()
    try:
        eventually(lambda: _grew(acknowledged, 20), timeout=30)
        victim = server.children("multiprocessing.spawn")[0]
        subprocess.run(["kill", "-9", str(victim)], check=True)
        at_kill = len(acknowledged)
        eventually(lambda: _grew(acknowledged, at_kill + 40), timeout=30)  # the other worker kept serving
        eventually(lambda: _replaced(server, victim), timeout=30)
    finally:
        stop.set()
        for thread in writers:
            thread.join(timeout=30)
    stored = {str(r[0]) for r in factory.query("SELECT id FROM properties WHERE property_id LIKE 'L-%'")}
    assert set(acknowledged) <= stored
    assert len(acknowledged) == len(set(acknowledged))


def _replaced(server: Served, killed: int) -> None:
    workers = server.children("multiprocessing.spawn")
    assert len(workers) == 2 and killed not in workers, workers


def test_metrics_count_the_requests_of_every_worker(served: tuple[Served, DatabaseUrls]) -> None:
    server, _ = served
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        before = _health_requests(http.get("/metrics").text)
        for _ in range(40):
            # A new connection each time: the kernel hands them to either worker.
            assert httpx.get(f"{server.base_url}/healthz", timeout=30).status_code == 200
        after = _health_requests(http.get("/metrics").text)
    assert after - before == 40


def _health_requests(exposition: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in exposition.splitlines()
        if line.startswith("turns_http_requests_total{") and 'route="/healthz"' in line
    )
