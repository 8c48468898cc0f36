"""The embedded server's life cycle, on a cluster of its own in a temporary folder.

One test runs the steps in order on one cluster (initdb is the slow part):
init and start, reuse, recovery from a killed postmaster, stop and start.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest

from turns.db.embedded import SUPERUSER, EmbeddedPostgres
from turns.db.urls import bootstrap_embedded


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("embedded") / "data", fast=True)
    try:
        yield server
    finally:
        server.stop("immediate")


def _pid(server: EmbeddedPostgres) -> int:
    first = (server.pgdata / "postmaster.pid").read_text().splitlines()[0]
    return int(first)


def _ask(server: EmbeddedPostgres, query: str) -> object:
    with psycopg.connect(server.url(SUPERUSER, "postgres"), autocommit=True, connect_timeout=10) as conn:
        row = conn.execute(query).fetchone()
    assert row is not None
    return row[0]


def _initialises_and_starts(server: EmbeddedPostgres) -> None:
    assert not server.initialised
    info = server.ensure_running()
    assert server.initialised and server.is_running()
    assert info.host == "127.0.0.1"
    assert _ask(server, "SHOW port") == str(info.port)
    assert _ask(server, "SHOW wal_level") == "logical"
    assert _ask(server, "SHOW shared_preload_libraries") == "pg_stat_statements"
    assert _ask(server, "SHOW fsync") == "off"  # fast=True
    assert _ask(server, "SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = 'postgres'") is True


def _secrets_file_is_private(server: EmbeddedPostgres) -> None:
    secrets = server.data_dir / "secrets.json"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    server.password("another_role")  # rewriting the file keeps the mode
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert SUPERUSER in secrets.read_text()


def _wrong_password_is_refused(server: EmbeddedPostgres) -> None:
    port = server.info().port
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(f"postgresql://{SUPERUSER}:wrong@127.0.0.1:{port}/postgres", connect_timeout=10)


def _reuses_a_running_server(server: EmbeddedPostgres) -> None:
    first_pid = _pid(server)
    info = server.ensure_running()
    again = EmbeddedPostgres(server.data_dir, fast=True).ensure_running()
    assert _pid(server) == first_pid
    assert info == again
    assert _ask(server, "SELECT 1") == 1


def _survives_a_killed_postmaster(server: EmbeddedPostgres) -> None:
    pid = _pid(server)
    children = psutil.Process(pid).children()
    os.kill(pid, signal.SIGKILL)
    psutil.wait_procs([psutil.Process(pid), *children], timeout=20)
    assert (server.pgdata / "postmaster.pid").exists()  # stale: its process is gone
    assert not server.is_running()
    server.ensure_running()
    assert server.is_running()
    assert _pid(server) != pid
    assert _ask(server, "SELECT 1") == 1


def _stop_then_start(server: EmbeddedPostgres) -> None:
    assert server.stop() is True
    assert not server.is_running()
    assert server.stop() is False
    assert not (server.pgdata / "postmaster.pid").exists()
    started = time.monotonic()
    server.ensure_running()
    assert server.is_running()
    assert time.monotonic() - started < 60
    assert _ask(server, "SHOW wal_level") == "logical"


def _pid_file_of_another_process_is_not_trusted(server: EmbeddedPostgres) -> None:
    """A pid file naming a live process that is not this cluster's postmaster (e.g. after a
    reboot reused the pid) counts as stale."""
    server.stop()
    (server.pgdata / "postmaster.pid").write_text(f"{os.getpid()}\n{server.pgdata}\n")
    assert not server.is_running()
    server.ensure_running()
    assert server.is_running() and _pid(server) != os.getpid()


def _a_server_of_another_install_is_started_again_from_ours(server: EmbeddedPostgres) -> None:
    """The server left running by an environment made again since (another Python: its
    PostgreSQL's libraries gone) is stopped and started from this install."""
    other = server.data_dir.parent / "other-install"
    shutil.copytree(server.bin_dir.parent, other, symlinks=True)
    try:
        elsewhere = EmbeddedPostgres(server.data_dir, bin_dir=other / "bin", fast=True)
        elsewhere.stop()
        elsewhere.ensure_running()
        before = _pid(server)
        assert Path(psutil.Process(before).cmdline()[0]).resolve() == (other / "bin" / "postgres").resolve()
        server.ensure_running()
        after = _pid(server)
        assert after != before
        assert Path(psutil.Process(after).cmdline()[0]).resolve() == (server.bin_dir / "postgres").resolve()
        assert _ask(server, "SELECT 1") == 1
    finally:
        shutil.rmtree(other)


def _data_dir_path_is_used(server: EmbeddedPostgres) -> None:
    assert Path(str(_ask(server, "SHOW data_directory"))).resolve() == server.pgdata.resolve()


def test_life_cycle(server: EmbeddedPostgres) -> None:
    """The steps in order on one cluster: as separate tests, xdist would spread them over workers."""
    for step in (
        _initialises_and_starts,
        _secrets_file_is_private,
        _wrong_password_is_refused,
        _reuses_a_running_server,
        _survives_a_killed_postmaster,
        _stop_then_start,
        _pid_file_of_another_process_is_not_trusted,
        _a_server_of_another_install_is_started_again_from_ours,
        _data_dir_path_is_used,
    ):
        step(server)


def test_workers_starting_together_bootstrap_one_at_a_time(pg_server: EmbeddedPostgres, migrating: None) -> None:
    """Each API worker bootstraps the embedded cluster as it starts, and they start together:
    two ``ALTER ROLE`` of one role at once failed with "tuple concurrently updated"."""
    start = threading.Barrier(6)
    failures: list[BaseException] = []

    def worker() -> None:
        start.wait()
        try:
            for _ in range(5):
                bootstrap_embedded(pg_server)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
