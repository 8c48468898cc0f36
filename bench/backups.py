"""Restore drill: a Barman base backup, WAL archived by changing every turn, and ``turns db restore
--to`` a time before the last change, against a plain ``pg_basebackup`` copy started as it is.

Backups go to a directory of their own beside the benchmark's data (made anew each run). The
baseline is what a restore cannot beat: the same data copied now and started, with no WAL to
replay. Archiving is turned off again at the end, so the benchmarks after this one run as before.

At full size each copy of the data is many gigabytes on a disk others share: the drill holds at
most the server, its backup and one copy at a time (the baseline copy is deleted once measured),
has Barman compress the WAL of each change as soon as it is made, checks before each step that
the step leaves :data:`KEEP_FREE` free, and deletes everything it made at the end. It reports the
least free space seen while it ran. The API's sync slot may keep no more than
:data:`SLOT_KEEPS` of WAL meanwhile: it would keep all of both changes until the API had decoded
them (minutes at this size), and the API makes a new slot when it loses one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench.harness import Environment, run_line
from turns.db import logins
from turns.db.backups import Backups
from turns.db.embedded import SUPERUSER, EmbeddedPostgres, free_port
from turns.db.standby import base_backup

MB = 1024 * 1024
GB = 1024 * MB
KEEP_FREE = 10 * GB
"""The free space every step must leave on the disk of the benchmark's data."""
WAL_PER_TURN_CHANGE = 5
"""The WAL of changing every turn once, against the size of the turns table and its indexes (full pages
after each checkpoint, every index: 5.5 GB for 1.3 GB at 100,000 properties), for the space checks."""
SLOT_KEEPS = "1GB"
WAL_SEGMENT = 16 * MB


class DiskShort(RuntimeError):
    """A step of the drill would leave less than :data:`KEEP_FREE` free."""


def _require_free(folder: Path, needed: int, step: str) -> None:
    free = shutil.disk_usage(folder).free
    if free - needed < KEEP_FREE:
        raise DiskShort(
            f"restore drill: {step} needs about {needed / GB:.1f} GB in {folder}, which has {free / GB:.1f} GB free;"
            f" {KEEP_FREE / GB:.0f} GB must stay free: free some space or use --data-dir on a larger disk"
        )


@contextmanager
def _least_free(folder: Path) -> Iterator[list[int]]:
    """The least free space on ``folder``'s disk while the block runs (sampled every half second), in
    a one-item list filled when the block ends."""
    seen = [shutil.disk_usage(folder).free]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            seen[0] = min(seen[0], shutil.disk_usage(folder).free)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield seen
    finally:
        done.set()
        sampler.join()


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def _turns(url: str, wo_number: str | None = None) -> int:
    """The turns (with ``wo_number`` when given)."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM turns WHERE %(n)s::text IS NULL OR wo_number = %(n)s", {"n": wo_number}
        ).fetchone()
    return int(row[0]) if row else 0


def _turns_bytes(url: str) -> int:
    """The turns table with its indexes and TOAST, on disk."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pg_total_relation_size('turns')").fetchone()
    return int(row[0]) if row else 0


def _change_every_turn(backups: Backups, value: str) -> None:
    """Every turn's work order number set to ``value``, then its WAL filed (compressed) by Barman and
    the server's own copy recycled."""
    server = backups.server
    url = server.url(SUPERUSER, logins.DATABASE)
    # Barman's inbox holds the WAL uncompressed until filed; pg_wal holds max_wal_size and the slot's share.
    _require_free(server.data_dir, WAL_PER_TURN_CHANGE * _turns_bytes(url) + 3 * GB, "changing every turn")
    with psycopg.connect(url) as conn:
        conn.execute("ALTER TABLE turns DISABLE TRIGGER USER")  # the WAL of the rows, not of their audit
        try:
            conn.execute("UPDATE turns SET wo_number = %s", (value,))
        finally:
            conn.execute("ALTER TABLE turns ENABLE TRIGGER USER")
    backups.catalogue()  # files what arrived
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def _plain_copy(server: EmbeddedPostgres, folder: Path) -> dict[str, float]:
    """``pg_basebackup`` of the running server, then the copy started: the baseline (deleted once measured)."""
    _require_free(folder.parent, _size(server.pgdata), "the pg_basebackup copy")
    copy = EmbeddedPostgres(folder, bin_dir=server.bin_dir)
    started = time.perf_counter()
    base_backup(server, copy.pgdata, standby=False)
    copied = time.perf_counter()
    shutil.copy2(server.data_dir / "secrets.json", folder / "secrets.json")
    copy._write_private_json(folder / "server.json", {"port": free_port()})
    with open(copy.pgdata / "postgresql.auto.conf", "a") as conf:
        conf.write("archive_mode = 'off'\n")
    copy.ensure_running()
    ready = time.perf_counter()
    size = _size(copy.pgdata)
    copy.stop()
    shutil.rmtree(folder)
    return {"basebackup_s": copied - started, "start_s": ready - copied, "size_mb": size / MB}


def run(env: Environment, *, smoke: bool) -> dict[str, Any]:
    server = env.server
    scratch = server.data_dir / "bench-backups"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    backups = Backups(server, scratch / "backups")
    superuser = server.url(SUPERUSER, logins.DATABASE)
    free_before = shutil.disk_usage(scratch).free
    with psycopg.connect(server.url(SUPERUSER, "postgres"), autocommit=True) as conn:
        conn.execute(f"ALTER SYSTEM SET max_slot_wal_keep_size = '{SLOT_KEEPS}'")
        conn.execute("SELECT pg_reload_conf()")
    with _least_free(scratch) as least:
        try:
            return _drill(server, backups, scratch, superuser) | {
                "disk": {"free_before_gb": round(free_before / GB, 1), "least_free_gb": round(least[0] / GB, 1)}
            }
        finally:
            with psycopg.connect(server.url(SUPERUSER, "postgres"), autocommit=True) as conn:
                conn.execute("ALTER SYSTEM RESET archive_mode")
                conn.execute("ALTER SYSTEM RESET archive_command")
                conn.execute("ALTER SYSTEM RESET archive_timeout")
                conn.execute("ALTER SYSTEM RESET max_slot_wal_keep_size")
            server.stop()
            server.ensure_running()
            shutil.rmtree(scratch, ignore_errors=True)


def _drill(server: EmbeddedPostgres, backups: Backups, scratch: Path, superuser: str) -> dict[str, Any]:
    """The measured steps (:func:`run` sets up and cleans up): at most the server, its backup and one
    copy on the disk at once."""
    plain = _plain_copy(server, scratch / "plain")
    _require_free(scratch, _size(server.pgdata), "the Barman base backup")
    started = time.perf_counter()
    taken = backups.backup()
    backup_s = time.perf_counter() - started

    _change_every_turn(backups, "changed before")  # WAL a restore replays up to the noted time
    with psycopg.connect(superuser) as conn:
        row = conn.execute("SELECT clock_timestamp()").fetchone()
    assert row is not None
    noted: datetime = row[0]
    _change_every_turn(backups, "changed after")  # ... and stops before this
    catalogue = backups.catalogue()
    wal_bytes = sum(b.wal_bytes for b in catalogue.backups)

    # The copy, all the archived WAL Barman puts beside it uncompressed for the replay, the copy's own
    # pg_wal while it replays (up to max_wal_size) and the turns' new row versions.
    replayed = len(backups._archived()) * WAL_SEGMENT + 2 * GB + _turns_bytes(superuser)
    _require_free(scratch, taken.size_bytes + replayed, "the restore")
    into = scratch / "restored"
    env_vars = {**os.environ, "TURNS_DATA_DIR": str(server.data_dir), "TURNS_BACKUP_DIR": str(scratch / "backups")}
    for name in ("DATABASE_URL", "DATABASE_POOLED_URL"):
        env_vars.pop(name, None)
    command = [str(Path(sys.executable).parent / "turns"), "db", "restore"]
    command += ["--to", noted.astimezone(UTC).isoformat(), "--into", str(into)]
    started = time.perf_counter()
    subprocess.run(command, env=env_vars, check=True, capture_output=True, text=True)
    restore_s = time.perf_counter() - started
    restored = EmbeddedPostgres(into)
    try:
        restored_turns = _turns(restored.url(SUPERUSER, logins.DATABASE), "changed before")
    finally:
        restored.stop()
    drill_plain = plain["basebackup_s"] + plain["start_s"]
    return {
        "turns": _turns(superuser),
        "restored_turns_as_of_noted_time": restored_turns,
        "base_backup": {"seconds": round(backup_s, 2), "size_mb": round(taken.size_bytes / MB, 1)},
        "wal_archived_mb": round(wal_bytes / MB, 1),
        "restore_to_time_s": round(restore_s, 2),
        "plain": {k: round(v, 2) if k != "size_mb" else round(v, 1) for k, v in plain.items()},
        "backup_vs_basebackup": round(backup_s / plain["basebackup_s"], 2),
        "restore_vs_plain_start": round(restore_s / plain["start_s"], 1),
        "drill_vs_plain": round((backup_s + restore_s) / drill_plain, 2),
    }


def render_backups(data: dict[str, Any] | None) -> list[str]:
    if not data:
        return []
    base, plain = data["base_backup"], data["plain"]
    return [
        "",
        "## Restore drill",
        "",
        run_line(data),
        "",
        "A Barman base backup into a directory (the default back-end), then every turn changed twice with "
        f"its audit triggers off ({data['wal_archived_mb']} MB of WAL archived, gzip-compressed), and "
        "`turns db restore --to` the time between the two changes (the machine shared with other runs): the "
        "command end to end (Barman's copy, WAL replay, the copy promoted and "
        "started). Baseline: `pg_basebackup` of the running server, the copy started as it is (nothing to replay), "
        "taken first: Barman's copy after it may find part of the data in the page cache. "
        f"The restored copy held {data['restored_turns_as_of_noted_time']:,} of {data['turns']:,} turns as of the "
        "noted time (all of them: none carried the later change).",
        "",
        "| step | seconds | size MB |",
        "| --- | --- | --- |",
        f"| `turns db backup` (Barman, `pg_basebackup` inside) | {base['seconds']} | {base['size_mb']} |",
        f"| `pg_basebackup` alone | {plain['basebackup_s']} | {plain['size_mb']} |",
        f"| `turns db restore --to TIME` | {data['restore_to_time_s']} | |",
        f"| start of the plain copy | {plain['start_s']} | |",
        "",
        f"Backup / `pg_basebackup`: {data['backup_vs_basebackup']}x. Restore / plain start: "
        f"{data['restore_vs_plain_start']}x. Backup and restore / plain copy and start: {data['drill_vs_plain']}x.",
        *_render_disk(data.get("disk")),
    ]


def _render_disk(disk: dict[str, float] | None) -> list[str]:
    if not disk:
        return []
    return [
        "",
        f"Disk: {disk['free_before_gb']} GB free when the drill started, {disk['least_free_gb']} GB at the least "
        f"(a peak of {round(disk['free_before_gb'] - disk['least_free_gb'], 1)} GB: the backup and its compressed "
        "WAL, the restored copy and all that WAL beside it uncompressed, which Barman copies there for the replay; "
        "the `pg_basebackup` copy is deleted once measured).",
    ]
