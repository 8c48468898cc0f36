"""A backup directory that is missing, full or corrupt: a clear error, never a silent success."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.backups.conftest import BackedUp
from tests.fixtures.factory import Factory

# One backed-up server (a session fixture) serves these tests: they run on one worker.
pytestmark = pytest.mark.xdist_group("backups")


def assert_clear_failure(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 1
    stderr = result.stderr
    assert stderr.startswith("error: ") and message in stderr, stderr
    assert "Traceback" not in stderr


def test_a_missing_backup_directory_fails_every_command(backed_up: BackedUp, tmp_path: Path) -> None:
    env: dict[str, str | None] = {"TURNS_BACKUP_DIR": str(tmp_path / "nowhere")}
    for command in (["db", "backups"], ["db", "check-backups"], ["db", "restore"]):
        assert_clear_failure(backed_up.turns(*command, env=env), f"no backups in {tmp_path / 'nowhere'}")


def test_a_corrupt_backup_fails_check_backups(backed_up: BackedUp, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(backed_up.backups.backup_dir, copy)
    (copy / "barman.conf").unlink()  # rewritten for the copy by the command
    for data in (copy / "turns" / "base").glob("*/data"):
        shutil.rmtree(data / "global")  # pg_control and the shared catalogues gone
    result = backed_up.turns("db", "check-backups", env={"TURNS_BACKUP_DIR": str(copy)})
    assert_clear_failure(result, "the embedded PostgreSQL did not start")
    assert "pg_control" in result.stderr
    assert not list(backed_up.server.data_dir.glob("check-*"))


def test_an_unwritable_backup_directory_is_a_clear_error(backed_up: BackedUp, tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    result = backed_up.turns("db", "backup", env={"TURNS_BACKUP_DIR": str(blocked / "backups")})
    assert_clear_failure(result, f"cannot write to the backup directory {blocked / 'backups'}")


@contextmanager
def small_disk(path: Path) -> Iterator[None]:
    """A 2 MiB filesystem mounted over ``path`` (mounting needs root, which CI runs as)."""
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(path)], capture_output=True)
    if mounted.returncode != 0:
        reason = f"cannot mount a small tmpfs (needs root or CAP_SYS_ADMIN): {mounted.stderr.decode().strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield
    finally:
        # The server's archiver may be copying a segment in at this moment (each attempt fails on
        # the full disk and is tried again): the filesystem is busy until that attempt ends.
        deadline = time.monotonic() + 60
        while (unmounted := subprocess.run(["umount", str(path)], capture_output=True)).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"cannot unmount {path}: {unmounted.stderr.decode().strip()}")
            time.sleep(0.1)


def test_a_full_backup_directory_fails_every_command(backed_up: BackedUp) -> None:
    factory = Factory(backed_up.urls)
    backups = backed_up.backups
    with small_disk(backups.arriving):  # where the server copies each segment first
        for command in (["db", "backup"], ["db", "backups"], ["db", "check-backups"]):
            factory.property()  # WAL to archive
            result = backed_up.turns(*command)
            assert_clear_failure(result, f"the backup directory {backups.backup_dir} is full: {backups.arriving} has")
            assert len(result.stderr.strip().splitlines()) == 1
    # Space again: the server archives what waited in pg_wal, and nothing is missing.
    factory.property()
    backups._archive_current()
    assert backed_up.turns("db", "backups").returncode == 0


def archive_copy(backed_up: BackedUp, into: Path) -> list[Path]:
    """A copy of the backup directory whose newest segments are small ones the server closed, and those segments."""
    factory = Factory(backed_up.urls)
    for _ in range(2):
        factory.property()
        backed_up.backups._archive_current()
    backed_up.backups.catalogue()
    shutil.copytree(backed_up.backups.backup_dir, into)
    (into / "barman.conf").unlink()  # rewritten for the copy by the command
    return sorted(p for p in (into / "turns" / "wals").glob("*/*") if len(p.name) == 24)


def test_a_garbled_wal_segment_fails_check_backups(backed_up: BackedUp, tmp_path: Path) -> None:
    segment = archive_copy(backed_up, tmp_path / "copy")[-2]
    data = bytearray(gzip.decompress(segment.read_bytes()))
    data[64:128] = bytes(b ^ 0xFF for b in data[64:128])  # inside the first record: its checksum fails
    segment.write_bytes(gzip.compress(bytes(data)))  # a well-formed file: only PostgreSQL can tell
    result = backed_up.turns("db", "check-backups", env={"TURNS_BACKUP_DIR": str(tmp_path / "copy")})
    assert_clear_failure(
        result, f"the WAL archive in {tmp_path / 'copy'} is broken at segment {segment.name} (corrupt or missing)"
    )


def test_a_truncated_wal_file_fails_check_backups(backed_up: BackedUp, tmp_path: Path) -> None:
    segment = archive_copy(backed_up, tmp_path / "copy")[-2]
    segment.write_bytes(segment.read_bytes()[:1000])
    result = backed_up.turns("db", "check-backups", env={"TURNS_BACKUP_DIR": str(tmp_path / "copy")})
    assert_clear_failure(result, f"corrupt WAL file in {tmp_path / 'copy'}: {segment.name} (truncated or garbled)")
