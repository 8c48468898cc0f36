"""A backup directory that is missing or corrupt: a clear error, never a silent success."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.backups.conftest import BackedUp

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
