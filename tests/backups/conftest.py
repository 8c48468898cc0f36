"""A migrated embedded server with continuous backup turned on and one base backup, for the session.

Barman restores through ``rsync`` (Debian's ``rsync`` package): without it these tests
are skipped locally and fail in CI, where it must be installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from typer.testing import CliRunner

from turns.cli import app
from turns.db import logins, migrate
from turns.db.backups import Backups
from turns.db.embedded import SUPERUSER, EmbeddedPostgres
from turns.db.urls import DatabaseUrls, bootstrap_embedded, embedded_urls

MISSING = "rsync is not installed: install Debian's `rsync` package (Barman restores with it)"


@dataclass(frozen=True)
class BackedUp:
    server: EmbeddedPostgres
    backups: Backups
    urls: DatabaseUrls

    def turns(self, *args: str, env: dict[str, str | None] | None = None) -> subprocess.CompletedProcess[str]:
        """``turns ARGS`` on this server's data directory (in this process: the command's start-up is slow)."""
        return run_turns(list(args), {"TURNS_DATA_DIR": str(self.server.data_dir), **(env or {})})


def run_turns(args: list[str], env: dict[str, str | None]) -> subprocess.CompletedProcess[str]:
    """``turns ARGS`` with only ``env`` configuring the database (no DATABASE_/TURNS_/NEON_ variable leaks in)."""
    cleared: dict[str, str | None] = {
        k: None for k in os.environ if k.startswith(("DATABASE_", "TURNS_", "NEON_", "ELECTRIC_"))
    }
    result = CliRunner().invoke(app, args, env={**cleared, **env}, catch_exceptions=False)
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="session")
def backed_up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackedUp]:
    if shutil.which("rsync") is None:
        if os.environ.get("CI") == "true":
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    server = EmbeddedPostgres(tmp_path_factory.mktemp("backed-up"), fast=True)
    server.ensure_running()
    try:
        bootstrap_embedded(server)
        with psycopg.connect(server.url(SUPERUSER, "postgres"), autocommit=True) as conn:
            # A commit is acknowledged once its WAL is written, as in production (the throwaway
            # server's default is off): the crash test asserts every acknowledged write survives.
            conn.execute("ALTER SYSTEM SET synchronous_commit = on")
        urls = embedded_urls(server, logins.DATABASE)
        migrate.upgrade(urls.owner)
        backups = Backups(server, server.data_dir / "backups")
        backups.backup()
        yield BackedUp(server, backups, urls)
    finally:
        server.stop()
