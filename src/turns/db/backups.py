"""Continuous backup and point-in-time restore of the embedded server, by Barman.

Barman (PyPI) keeps base backups, taken with the ``pg_basebackup`` of the embedded
wheel, and the WAL archive in one backup directory (``<data dir>/backups`` unless
``TURNS_BACKUP_DIR`` names another disk). No process of ours runs beside PostgreSQL:
the server's ``archive_command`` copies each finished WAL segment into Barman's
``incoming`` folder (written to a side folder, flushed, then renamed, so a crash
never leaves half a segment there), and every ``turns db`` command that reads the
backups first has Barman file what arrived (``barman archive-wal``) and apply the
retention policy (``barman cron``'s work, done on demand).

Barman runs as the user who runs ``turns``; when that is root (and the server runs
as the unprivileged system user), the inbox belongs to the server's user, and a
restored data directory is handed to it before it starts.
"""

from __future__ import annotations

import gzip
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
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

SERVER = "turns"
"""The name of the embedded server in Barman's configuration."""
DEFAULT_RETENTION = "RECOVERY WINDOW OF 7 DAYS"
RECOVERY_SETTING = re.compile(r"\s*(restore_command|recovery_target\w*)\s*=")
"""A line of ``postgresql.auto.conf`` that tells a restore what to fetch and where to stop."""


class BackupError(EmbeddedError):
    """A backup could not be taken, listed, verified or restored."""


@dataclass(frozen=True)
class Backup:
    backup_id: str
    end: datetime
    size_bytes: int
    wal_bytes: int
    status: str


@dataclass(frozen=True)
class Catalogue:
    backups: list[Backup]
    restorable_from: datetime | None
    """The end of the oldest complete backup: the earliest time a restore can reach."""
    restorable_to: datetime | None
    """The newest WAL in the archive (or the newest backup's end): the latest time a restore can reach."""
    reach: int = 0
    """The WAL segment number a restore to the newest archived WAL must reach: past the segment the
    server just closed (it ends in a switch), or into the newest archived one."""


def _barman_executable() -> Path:
    found = Path(sys.executable).parent / "barman"
    if not found.exists():
        raise BackupError("Barman is not installed in this environment (the `barman` package)")
    return found


class Backups:
    """The Barman catalogue of one embedded server."""

    def __init__(self, server: EmbeddedPostgres, backup_dir: Path, retention: str = DEFAULT_RETENTION) -> None:
        self.server = server
        self.backup_dir = backup_dir
        self.retention = retention
        self.config_file = backup_dir / "barman.conf"
        self.incoming = backup_dir / SERVER / "incoming"
        self.arriving = backup_dir / "arriving"
        self.where = str(backup_dir)
        """Where the backups are, as messages name it."""

    # -- configuration -----------------------------------------------------------
    @staticmethod
    def _user() -> str:
        return pwd.getpwuid(os.getuid()).pw_name

    def archive_command(self) -> str:
        """Copy a finished segment into Barman's inbox: to a side folder, flushed, then renamed.

        A segment already there and identical (PostgreSQL retries after a crash) is success;
        a failure leaves the segment in ``pg_wal`` and PostgreSQL tries again, so the
        chain has no gap."""
        inbox, side = self.incoming, self.arriving
        return f"cmp -s %p {inbox}/%f || (cp %p {side}/%f && sync {side}/%f && mv {side}/%f {inbox}/%f && sync {inbox})"

    def _prepare(self) -> None:
        """Create the backup directory, Barman's configuration and the password file."""
        try:
            self.backup_dir.mkdir(parents=True, exist_ok=True)
            for folder in (self.incoming, self.arriving):
                folder.mkdir(parents=True, exist_ok=True)
            info = self.server.info()
            passfile = self.backup_dir / "pgpass"
            passfile.write_text(
                f"{info.host}:*:*:{SUPERUSER}:{self.server.password(SUPERUSER)}\n"
                f"{info.host}:*:*:{logins.REPLICATION}:{self.server.password(logins.REPLICATION)}\n"
            )
            passfile.chmod(0o600)
            self.config_file.write_text(self._config(info.host, info.port))
            if _running_as_root():
                entry = _ensure_system_user()
                _open_path_for(self.backup_dir / SERVER)
                for folder in (self.incoming, self.arriving):
                    os.chown(folder, entry.pw_uid, entry.pw_gid)
        except OSError as exc:
            raise BackupError(f"cannot write to the backup directory {self.backup_dir}: {exc}") from exc

    def _config(self, host: str, port: int) -> str:
        return (
            "[barman]\n"
            f"barman_home = {self.backup_dir}\n"
            f"barman_user = {self._user()}\n"
            f"log_file = {self.backup_dir / 'barman.log'}\n"
            "log_level = WARNING\n"
            "compression = gzip\n\n"
            f"[{SERVER}]\n"
            "description = Turns embedded PostgreSQL\n"
            f"conninfo = host={host} port={port} user={SUPERUSER} dbname=postgres\n"
            f"streaming_conninfo = host={host} port={port} user={logins.REPLICATION}\n"
            "backup_method = postgres\n"
            "archiver = on\n"
            "streaming_archiver = off\n"
            f"path_prefix = {self.server.bin_dir}\n"
            f"retention_policy = {self.retention}\n"
            "minimum_redundancy = 1\n"
            "wal_retention_policy = main\n"
        )

    def _barman(self, *args: str, timeout: float = 3600) -> str:
        env = dict(os.environ, PGPASSFILE=str(self.backup_dir / "pgpass"))
        command = [str(_barman_executable()), "-c", str(self.config_file), *args]
        try:
            done = subprocess.run(command, env=env, timeout=timeout, check=True, capture_output=True, text=True)
            return done.stdout
        except subprocess.CalledProcessError as exc:
            detail = (exc.stderr or exc.stdout or "").strip()
            raise BackupError(f"barman {args[0]} failed: {detail or f'exit code {exc.returncode}'}") from exc

    # -- archiving ------------------------------------------------------------------
    def enable(self) -> bool:
        """Point the server's ``archive_command`` at this backup directory.

        Returns True when the server had to be restarted (``archive_mode`` was off)."""
        self._prepare()
        with psycopg.connect(self.server.url(SUPERUSER, "postgres"), autocommit=True) as conn:
            mode = conn.execute("SHOW archive_mode").fetchone()
            conn.execute("ALTER SYSTEM SET archive_mode = 'on'")
            conn.execute(f"ALTER SYSTEM SET archive_command = '{self.archive_command()}'")
            conn.execute("ALTER SYSTEM SET archive_timeout = '60s'")
            conn.execute("SELECT pg_reload_conf()")
        if mode is not None and mode[0] == "on":
            return False
        self.server.stop()
        self.server.ensure_running()
        return True

    def _file_arrivals(self) -> str | None:
        """Have Barman file the WAL segments that arrived (the current one first, when the server runs);
        returns the segment the server closed for it."""
        if not (self.backup_dir / SERVER / "base").is_dir():
            raise self._none_yet()
        self._prepare()
        closed = self._archive_current() if self.server.is_running() else None
        self._barman("archive-wal", SERVER)
        return closed

    def _none_yet(self) -> BackupError:
        return BackupError(f"no backups in {self.where}: take one with `turns db backup`")

    def _archive_current(self, timeout: float = 60) -> str:
        """Close the current WAL segment, wait until the server has archived it, and return its name.

        A failure counts only if it happened after the switch (the switch wakes the archiver,
        which retries the oldest segment first), so an old failure, since mended, is not reported."""
        with psycopg.connect(self.server.url(SUPERUSER, "postgres"), autocommit=True) as conn:
            # The segment holding the byte before the switch: when there was nothing to switch,
            # pg_switch_wal() returns the start of the segment in use, which is not finished.
            row = conn.execute(
                "SELECT pg_walfile_name(pg_switch_wal() - 1), clock_timestamp(),"
                " pg_size_bytes(current_setting('wal_segment_size'))"
            ).fetchone()
            assert row is not None
            segment, switched, size = str(row[0]), row[1], int(row[2])
            deadline = time.monotonic() + timeout
            while True:
                done = conn.execute(
                    "SELECT last_archived_wal >= %s, last_failed_wal, last_failed_time > %s FROM pg_stat_archiver",
                    (segment, switched),
                ).fetchone()
                if done and done[0]:
                    return segment
                if done and done[2]:
                    raise self._archive_failure(str(done[1]), size)
                if time.monotonic() > deadline:
                    raise BackupError(f"WAL segment {segment} was not archived within {timeout:.0f} s")
                time.sleep(0.05)

    def _archive_failure(self, segment: str, size: int) -> BackupError:
        """Why the server cannot archive ``segment``: a full disk is named as such."""
        for folder in (self.arriving, self.incoming):
            free = shutil.disk_usage(folder).free
            if free < size:
                return BackupError(
                    f"the backup directory {self.backup_dir} is full: {folder} has {free // 1024} KiB free,"
                    f" WAL segment {segment} needs {size // 1024} KiB"
                )
        return BackupError(f"the server cannot archive WAL segment {segment} into {self.incoming}")

    # -- backups -----------------------------------------------------------------------
    def backup(self) -> Backup:
        """A base backup now; the segments it needs are archived before this returns."""
        self.enable()
        self._archive_current()
        self._barman("backup", "--wait", "--wait-timeout", "120", SERVER, timeout=24 * 3600)
        self._barman("archive-wal", SERVER)
        self._barman("cron", timeout=600)  # retention
        catalogue = self.catalogue()
        if not catalogue.backups:
            raise BackupError("barman reported success but lists no backup")
        return catalogue.backups[-1]

    def catalogue(self) -> Catalogue:
        """The backups, oldest first, and the time range a restore can reach."""
        closed = self._file_arrivals()
        backups = sorted(self._listed(), key=lambda b: b.end)
        done = [b for b in backups if b.status == "DONE"]
        archived = self._archived()
        newest = max([b.end for b in done] + list(archived.values()), default=None)
        # On the server's timeline: after a switch, the left one's segments may run further.
        timeline = closed[:8] if closed else max((name[:8] for name in archived), default="")
        last = max((_segment_number(name) for name in archived if name.startswith(timeline)), default=0)
        reach = last + 1 if closed and _segment_number(closed) == last else last
        return Catalogue(backups, done[0].end if done else None, newest if done else None, reach)

    def _listed(self) -> list[Backup]:
        """The backups Barman lists, in any order."""
        listed = json.loads(self._barman("-f", "json", "list-backups", SERVER) or "{}").get(SERVER, [])
        return [
            Backup(
                backup_id=item["backup_id"],
                end=datetime.fromtimestamp(int(item["end_time_timestamp"]), UTC),
                size_bytes=int(item["size_bytes"]),
                wal_bytes=int(item["wal_size_bytes"]),
                status=item["status"],
            )
            for item in listed
            if item.get("end_time_timestamp")
        ]

    def _archived(self) -> dict[str, datetime]:
        """The archived WAL segments and when each arrived (Barman's WAL catalogue: name, size, time, ...)."""
        catalogue = self.backup_dir / SERVER / "wals" / f"{SERVER}-xlog.db"
        fields = [line.split("\t") for line in catalogue.read_text().splitlines()]
        return {f[0]: datetime.fromtimestamp(float(f[2]), UTC) for f in fields if len(f) >= 3 and len(f[0]) == 24}

    def _broken_wal(self) -> str:
        """The archived WAL files that do not decompress (Barman's own error does not name them)."""
        broken = []
        for path in sorted((self.backup_dir / SERVER / "wals").glob("*/*")):
            try:
                with gzip.open(path) as stream:
                    while stream.read(1 << 20):
                        pass
            except (OSError, EOFError, zlib.error):
                broken.append(path.name)
        return ", ".join(broken)

    # -- restore -------------------------------------------------------------------------
    def restore(self, into: Path, target: datetime | None = None) -> EmbeddedPostgres:
        """Restore into a new data directory ``into`` (as of ``target``, or as late as the
        archive reaches) and start it on a free port. The current server is untouched."""
        if (into / "pgdata").exists():
            raise BackupError(f"{into / 'pgdata'} already exists: restore into a new directory")
        catalogue = self.catalogue()
        done = [b for b in catalogue.backups if b.status == "DONE"]
        if target is not None:
            done = [b for b in done if b.end <= target]
            if not done:
                raise BackupError(
                    f"no backup ended before {target.isoformat()}: the earliest restorable time is "
                    f"{catalogue.restorable_from.isoformat() if catalogue.restorable_from else 'none (no backup)'}"
                )
            if catalogue.restorable_to is not None and target > catalogue.restorable_to:
                raise BackupError(
                    f"{target.isoformat()} is past the newest archived WAL ({catalogue.restorable_to.isoformat()})"
                )
        if not done:
            raise BackupError(f"no complete backup in {self.where}")
        into.mkdir(parents=True, exist_ok=True)
        self._recover(done[-1].backup_id, into / "pgdata", target)
        restored = EmbeddedPostgres(into, bin_dir=self.server.bin_dir)
        with open(restored.pgdata / "postgresql.auto.conf", "a") as conf:
            conf.write("archive_mode = 'off'\n")  # a copy archives nowhere until it is switched in
        shutil.copy2(self.server.data_dir / "secrets.json", into / "secrets.json")
        restored._write_private_json(into / "server.json", {"port": free_port()})
        if _running_as_root():
            entry = _ensure_system_user()
            _open_path_for(into)
            for path in [into, *into.rglob("*")]:
                os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
        restored.ensure_running()
        _wait_promoted(restored)
        if target is None:
            self._check_reached(restored, catalogue.reach)
        return restored

    def _recover(self, backup_id: str, pgdata: Path, target: datetime | None) -> None:
        """Put the base backup into ``pgdata``, set to replay the archive up to ``target`` and promote."""
        args = ["recover"]
        args += ["--target-time", target.isoformat(), "--target-action", "promote"] if target is not None else []
        try:
            self._barman(*args, SERVER, backup_id, str(pgdata), timeout=24 * 3600)
        except BackupError as exc:
            broken = self._broken_wal()
            if broken:
                raise BackupError(f"corrupt WAL file in {self.backup_dir}: {broken} (truncated or garbled)") from exc
            raise

    def _check_reached(self, restored: EmbeddedPostgres, reach: int) -> None:
        """Fail unless recovery replayed the whole archive: PostgreSQL ends recovery quietly at the
        first record it cannot read (a garbled segment, a missing one) and starts as if that were all."""
        with psycopg.connect(restored.url(SUPERUSER, "postgres"), autocommit=True) as conn:
            row = conn.execute("SELECT pg_walfile_name(pg_current_wal_lsn())").fetchone()
        reached = str(row[0]) if row else ""
        if _segment_number(reached) < reach:
            restored.stop("immediate")
            raise BackupError(
                f"the WAL archive in {self.where} is broken at segment {reached} (corrupt or missing):"
                f" a restore stops there, before the newest archived WAL"
            )

    def switch(self, restored: EmbeddedPostgres) -> Path:
        """Stop both servers, keep the current data as ``pgdata.before-<time>`` (returned), move the
        restored copy in and start it, archiving again.

        The copy started a new timeline while it archived nowhere: its history file is queued for
        the archive now, or no restore could follow the archive onto that timeline. The caller
        takes a new base backup, since the old ones lead to the history the restore left."""
        current = self.server
        restored.stop()
        current.stop()
        kept = current.data_dir / f"pgdata.before-{datetime.now().strftime('%Y%m%dT%H%M%S')}"
        current.pgdata.rename(kept)
        restored.pgdata.rename(current.pgdata)
        clear_recovery_settings(current.pgdata)
        with open(current.pgdata / "postgresql.auto.conf", "a") as conf:
            conf.write(f"archive_mode = 'on'\narchive_command = '{self.archive_command()}'\n")
        status = current.pgdata / "pg_wal" / "archive_status"
        for history in (current.pgdata / "pg_wal").glob("*.history"):
            if not any((status / f"{history.name}.{state}").exists() for state in ("ready", "done")):
                ready = status / f"{history.name}.ready"
                ready.touch()
                if _running_as_root():  # the server's user removes it once archived
                    os.chown(ready, status.stat().st_uid, status.stat().st_gid)
        current.ensure_running()
        return kept

    def check(self, scratch: Path) -> int:
        """Restore the newest backup into ``scratch``, start it and count the turns; removes ``scratch``."""
        try:
            restored = self.restore(scratch)
            try:
                with psycopg.connect(restored.url(SUPERUSER, logins.DATABASE), autocommit=True) as conn:
                    row = conn.execute("SELECT count(*) FROM turns").fetchone()
                return int(row[0]) if row else 0
            except psycopg.Error as exc:
                raise BackupError(f"the restored copy does not answer queries: {exc}") from exc
            finally:
                restored.stop()
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def clear_recovery_settings(pgdata: Path) -> None:
    """Drop the restore's settings from ``postgresql.auto.conf`` (as ``barman recover`` comments out those
    it finds). A copy switched in would keep them, and so would its base backups: a later restore of one
    without a target would stop at this restore's target, short of the archive's end, and a standby copied
    from it would stop there too."""
    conf = pgdata / "postgresql.auto.conf"
    kept = [line for line in conf.read_text().splitlines() if not RECOVERY_SETTING.match(line)]
    conf.write_text("".join(f"{line}\n" for line in kept))


def _segment_number(name: str) -> int:
    """The position of a WAL segment in the WAL, whatever its timeline (the name's last 16 hex digits)."""
    return int(name[8:24], 16)


def _wait_promoted(server: EmbeddedPostgres, timeout: float = 600) -> None:
    """Wait until recovery reached its target and the copy accepts writes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(server.url(SUPERUSER, "postgres"), autocommit=True) as conn:
                row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
            if row and not row[0]:
                return
        except psycopg.OperationalError:
            if not server.is_running():
                tail = server.log_file.read_text()[-3000:] if server.log_file.exists() else ""
                raise BackupError(f"the restored server stopped during recovery:\n{tail}") from None
        if time.monotonic() > deadline:
            raise BackupError("the restored server did not finish recovery in time")
        time.sleep(0.1)
