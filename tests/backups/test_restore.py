"""Point-in-time restore brings back deleted and changed turns and their audit trail exactly."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from tests.backups.conftest import BackedUp
from tests.fixtures.factory import Factory
from turns.db import logins
from turns.db.embedded import SUPERUSER, EmbeddedPostgres

SNAPSHOT = {
    "turns": "SELECT * FROM turns ORDER BY id",
    "audit_logs": "SELECT * FROM audit_logs WHERE table_name = 'turns' ORDER BY id",
}

# One backed-up server (a session fixture) serves these tests: they run on one worker.
pytestmark = pytest.mark.xdist_group("backups")


def snapshot(url: str | None) -> dict[str, list[tuple[Any, ...]]]:
    """Every turn and its audit rows, read as the superuser (past row-level security)."""
    assert url is not None
    with psycopg.connect(url) as conn:
        return {name: conn.execute(query).fetchall() for name, query in SNAPSHOT.items()}


def test_restore_to_a_noted_time_brings_back_turns_and_audit_rows(backed_up: BackedUp) -> None:
    factory = Factory(backed_up.urls)
    prop = factory.property()
    turns = [factory.turn(prop) for _ in range(6)]
    factory.unvetted("UPDATE turns SET wo_number = 'before' WHERE id = %s", (turns[0],))
    before = snapshot(backed_up.urls.superuser)
    assert len(before["turns"]) >= 6 and len(before["audit_logs"]) >= 6
    time.sleep(1.1)
    noted = datetime.now(UTC)
    time.sleep(1.1)
    # The mistake: some turns deleted, others changed.
    factory.unvetted("DELETE FROM turns WHERE id = ANY(%s)", (turns[:3],))
    factory.unvetted("UPDATE turns SET wo_number = 'by mistake' WHERE id = ANY(%s)", (turns[3:],))
    assert snapshot(backed_up.urls.superuser) != before

    into = backed_up.server.data_dir / "restored-here"
    result = backed_up.turns("db", "restore", "--to", noted.isoformat(), "--into", str(into))
    assert result.returncode == 0, result.stderr
    assert f"TURNS_DATA_DIR={into}" in result.stdout
    restored = EmbeddedPostgres(into)
    try:
        assert restored.info().port != backed_up.server.info().port
        assert snapshot(restored.url(SUPERUSER, logins.DATABASE)) == before
        with psycopg.connect(
            restored.url(SUPERUSER, logins.DATABASE)
        ) as conn:  # the copy takes writes: it was promoted
            conn.execute("UPDATE turns SET wo_number = 'after restore' WHERE id = %s", (turns[0],))
    finally:
        restored.stop()
    # The current server was left as it was.
    assert len(snapshot(backed_up.urls.superuser)["turns"]) == len(before["turns"]) - 3


def test_restore_before_the_first_backup_is_refused(backed_up: BackedUp) -> None:
    result = backed_up.turns("db", "restore", "--to", "2001-01-01 00:00")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "no backup ended before 2001-01-01" in result.stderr
    assert "Traceback" not in result.stderr


def test_backups_lists_sizes_and_the_restorable_range(backed_up: BackedUp) -> None:
    result = backed_up.turns("db", "backups")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["backup", "ended", "size", "wal", "status"]
    assert "DONE" in lines[1] and "MiB" in lines[1]
    assert lines[-1].startswith("restorable from ")


def test_check_backups_restores_the_newest(backed_up: BackedUp) -> None:
    result = backed_up.turns("db", "check-backups")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("backups OK")
    assert not list(backed_up.server.data_dir.glob("check-*"))


def test_branches_are_created_listed_and_deleted(backed_up: BackedUp) -> None:
    Factory(backed_up.urls).property()
    created = backed_up.turns("db", "branch", "create", "try-it")
    assert created.returncode == 0, created.stderr
    owner = next(line.split("=", 1)[1] for line in created.stdout.splitlines() if line.startswith("DATABASE_URL="))
    branch_superuser = owner.replace(
        f"{logins.OWNER}:{backed_up.server.password(logins.OWNER)}@",
        "postgres:" + backed_up.server.password(SUPERUSER) + "@",
    )
    with psycopg.connect(branch_superuser) as conn, psycopg.connect(backed_up.urls.superuser or "") as main:
        count = conn.execute("SELECT count(*) FROM properties").fetchone()
        assert count == main.execute("SELECT count(*) FROM properties").fetchone() and count != (0,)
        conn.execute("DELETE FROM turns")  # writable, and apart from the primary
    listed = backed_up.turns("db", "branch", "list")
    assert listed.returncode == 0 and listed.stdout.split()[:2] == ["try-it", "running"]
    again = backed_up.turns("db", "branch", "create", "try-it")
    assert again.returncode == 1 and "already exists" in again.stderr
    assert backed_up.turns("db", "branch", "delete", "try-it").returncode == 0
    assert backed_up.turns("db", "branch", "list").stdout == ""
    assert not (backed_up.server.data_dir / "branches" / "try-it").exists()
    with psycopg.connect(backed_up.urls.superuser or "") as main:
        assert main.execute("SELECT count(*) FROM properties").fetchone() == count
