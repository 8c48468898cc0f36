"""A streaming standby of the embedded primary, for trying the read replica path locally.

``pg_basebackup -R`` copies the running primary into ``<data dir>/replica/pgdata``
over a replication connection (as the replication role) and writes
``standby.signal`` and ``primary_conninfo``; the copy is then started like any
embedded server, on its own port, and streams the primary's WAL from then on.
It shares the primary's roles and passwords, so the application role's URL works
on both. No replication slot is made: a standby deleted without ceremony must
not make the primary keep WAL forever (``wal_keep_size`` covers short outages).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg

from turns.db import logins
from turns.db.embedded import (
    SUPERUSER,
    EmbeddedError,
    EmbeddedPostgres,
    _ensure_system_user,
    _open_path_for,
    _running_as_root,
    free_port,
)
from turns.kit.lsn import parse_lsn


@dataclass(frozen=True)
class StandbyStatus:
    created: bool
    running: bool
    port: int | None = None
    replay_lsn: str | None = None
    lag_bytes: int | None = None
    replay_paused: bool | None = None


def base_backup(primary: EmbeddedPostgres, pgdata: Path, *, standby: bool) -> None:
    """Copy the running ``primary`` into ``pgdata`` with the wheel's ``pg_basebackup``.

    With ``standby``, the copy is set up to stream from the primary (``-R``); without,
    it is a writable copy of its own. Removes the partial copy on failure."""
    info = primary.info()
    if pgdata.exists():
        shutil.rmtree(pgdata)  # left over from a failed copy (no PG_VERSION)
    pgdata.mkdir(parents=True, mode=0o700)
    if _running_as_root():
        entry = _ensure_system_user()
        _open_path_for(pgdata.parent)
        os.chown(pgdata, entry.pw_uid, entry.pw_gid)
    env = dict(os.environ, PGPASSWORD=primary.password(logins.REPLICATION))
    args = [str(primary.bin_dir / "pg_basebackup"), "-h", info.host, "-p", str(info.port)]
    args += ["-U", logins.REPLICATION, "-D", str(pgdata), "-X", "stream", "-c", "fast", "--no-password"]
    args += ["-R"] if standby else []
    try:
        primary._run(args, env=env, timeout=600)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(pgdata, ignore_errors=True)
        raise EmbeddedError(f"pg_basebackup failed:\n{exc.stderr}") from exc


class Standby:
    def __init__(self, primary: EmbeddedPostgres) -> None:
        self.primary = primary
        self.server = EmbeddedPostgres(primary.data_dir / "replica", bin_dir=primary.bin_dir, fast=primary.fast)

    @property
    def created(self) -> bool:
        return self.server.initialised

    def create(self) -> None:
        """Copy the running primary into the standby's data folder (replacing nothing)."""
        if self.created:
            raise EmbeddedError(f"a standby already exists in {self.server.data_dir}")
        if not self.primary.is_running():
            raise EmbeddedError("the embedded primary is not running: start it with `turns db start`")
        base_backup(self.primary, self.server.pgdata, standby=True)
        # The copy carries the primary's pid file and settings; it gets a port of its own.
        (self.server.pgdata / "postmaster.pid").unlink(missing_ok=True)
        self.server._write_private_json(self.server.data_dir / "server.json", {"port": free_port()})

    def start(self) -> None:
        if not self.created:
            raise EmbeddedError("no standby yet: create it with `turns db replica create`")
        self.server.ensure_running()

    def stop(self) -> bool:
        return self.server.stop()

    def delete(self) -> None:
        """Stop the standby and remove its data (the primary is untouched)."""
        self.server.stop()
        shutil.rmtree(self.server.data_dir, ignore_errors=True)

    def url(self, role: str, database: str) -> str:
        """The standby's URL for ``role`` (the primary's roles and passwords)."""
        port = self.server.info().port
        return f"postgresql://{role}:{self.primary.password(role)}@127.0.0.1:{port}/{database}"

    def status(self) -> StandbyStatus:
        if not self.created:
            return StandbyStatus(created=False, running=False)
        port = self.server.info().port
        if not self.server.is_running():
            return StandbyStatus(created=True, running=False, port=port)
        with psycopg.connect(self.url(SUPERUSER, "postgres"), autocommit=True) as conn:
            replay, paused = conn.execute(
                "SELECT pg_last_wal_replay_lsn()::text, pg_is_wal_replay_paused()"
            ).fetchone() or (
                None,
                None,
            )
        lag = None
        if self.primary.is_running() and replay is not None:
            with psycopg.connect(self.primary.url(SUPERUSER, "postgres"), autocommit=True) as conn:
                row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
            lag = max(0, parse_lsn(str(row[0])) - parse_lsn(str(replay))) if row else None
        return StandbyStatus(
            created=True, running=True, port=port, replay_lsn=replay, lag_bytes=lag, replay_paused=paused
        )
