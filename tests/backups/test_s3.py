"""Backups in an S3 bucket (a real S3 server, SeaweedFS): back up, restore to a noted time exactly (into
a new directory, as a branch, or switched in under the same URL), and a bucket that is missing or refuses
the credentials named in one line."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.backups.conftest import run_turns
from tests.backups.test_restore import snapshot
from tests.fixtures.factory import Factory
from tests.fixtures.s3 import S3Server
from turns.db import logins, migrate
from turns.db.cloud_backups import WAL_FOLDER
from turns.db.embedded import SUPERUSER, EmbeddedPostgres
from turns.db.urls import DatabaseUrls, bootstrap_embedded, embedded_urls

pytestmark = pytest.mark.xdist_group("backups")


@dataclass(frozen=True)
class InBucket:
    server: EmbeddedPostgres
    urls: DatabaseUrls
    s3: S3Server
    bucket: str

    def env(self, bucket: str | None = None, secret: str | None = None) -> dict[str, str | None]:
        backup_dir = f"s3://{bucket or self.bucket}/turns"
        aws = self.s3.env(secret) if secret else self.s3.env()
        return {"TURNS_DATA_DIR": str(self.server.data_dir), "TURNS_BACKUP_DIR": backup_dir, **aws}


@pytest.fixture(scope="module")
def in_bucket(tmp_path_factory: pytest.TempPathFactory, s3_server: S3Server) -> Iterator[InBucket]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("in-bucket"), fast=True)
    server.ensure_running()
    try:
        bootstrap_embedded(server)
        urls = embedded_urls(server, logins.DATABASE)
        migrate.upgrade(urls.owner)
        yield InBucket(server, urls, s3_server, s3_server.bucket())
    finally:
        server.stop()


def _noted_then_changed(in_bucket: InBucket) -> tuple[dict[str, list[tuple[Any, ...]]], datetime]:
    """New turns, the turns and their audit rows then, the server's time, and a mistake after it
    (two turns deleted, two changed)."""
    factory = Factory(in_bucket.urls)
    turns = [factory.turn(factory.property()) for _ in range(4)]
    before = snapshot(in_bucket.urls.superuser)
    with psycopg.connect(in_bucket.urls.superuser or "") as conn:
        row = conn.execute("SELECT clock_timestamp()").fetchone()
    assert row is not None
    noted: datetime = row[0]  # the server's clock: every commit above is before it, every one below after
    factory.unvetted("DELETE FROM turns WHERE id = ANY(%s)", (turns[:2],))
    factory.unvetted("UPDATE turns SET wo_number = 'by mistake' WHERE id = ANY(%s)", (turns[2:],))
    assert snapshot(in_bucket.urls.superuser) != before
    return before, noted


def test_backup_to_a_bucket_restores_to_a_noted_time(in_bucket: InBucket) -> None:
    taken = run_turns(["db", "backup"], in_bucket.env())
    assert taken.returncode == 0, taken.stderr
    backup_id = taken.stdout.split()[1].rstrip(":")
    assert f"turns/turns/base/{backup_id}/backup.info" in in_bucket.s3.keys(in_bucket.bucket)
    before, noted = _noted_then_changed(in_bucket)

    listed = run_turns(["db", "backups"], in_bucket.env())
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[1].startswith(backup_id) and "MiB" in lines[1] and lines[1].endswith("DONE")
    assert lines[-1].startswith("restorable from ")
    assert datetime.fromisoformat(lines[-1].split()[-1]) >= noted

    into = in_bucket.server.data_dir / "restored"
    restored_run = run_turns(["db", "restore", "--to", noted.isoformat(), "--into", str(into)], in_bucket.env())
    assert restored_run.returncode == 0, restored_run.stderr
    restored = EmbeddedPostgres(into)
    try:
        assert snapshot(restored.url(SUPERUSER, logins.DATABASE)) == before
    finally:
        restored.stop()


def test_a_branch_at_a_noted_time_from_the_bucket_holds_the_rows_then(in_bucket: InBucket) -> None:
    assert run_turns(["db", "backup"], in_bucket.env()).returncode == 0
    before, noted = _noted_then_changed(in_bucket)
    after = snapshot(in_bucket.urls.superuser)

    created = run_turns(["db", "branch", "create", "as-noted", "--at", noted.isoformat()], in_bucket.env())
    assert created.returncode == 0, created.stderr
    branch = EmbeddedPostgres(in_bucket.server.data_dir / "branches" / "as-noted")
    assert f"TURNS_DATA_DIR={branch.data_dir}" in created.stdout
    assert f"DATABASE_URL={embedded_urls(branch).owner}" in created.stdout
    try:
        assert branch.info().port != in_bucket.server.info().port
        assert snapshot(branch.url(SUPERUSER, logins.DATABASE)) == before
        assert not (branch.data_dir / WAL_FOLDER).exists()  # the fetched WAL went once replayed
        with psycopg.connect(branch.url(SUPERUSER, logins.DATABASE)) as conn:
            conn.execute("DELETE FROM turns")  # writable, and apart from the primary
        listed = run_turns(["db", "branch", "list"], in_bucket.env())
        assert listed.returncode == 0 and listed.stdout.split()[:2] == ["as-noted", "running"]
    finally:
        branch.stop()
    assert snapshot(in_bucket.urls.superuser) == after
    assert run_turns(["db", "branch", "delete", "as-noted"], in_bucket.env()).returncode == 0
    assert not branch.data_dir.exists()


def test_switch_to_a_noted_time_from_the_bucket_serves_the_rows_then_and_archives_on(in_bucket: InBucket) -> None:
    assert run_turns(["db", "backup"], in_bucket.env()).returncode == 0
    before, noted = _noted_then_changed(in_bucket)
    port = in_bucket.server.info().port

    switched = run_turns(["db", "restore", "--to", noted.isoformat(), "--switch"], in_bucket.env())
    assert switched.returncode == 0, switched.stderr
    kept = next(line.split(" in ", 1)[1] for line in switched.stdout.splitlines() if line.startswith("previous data"))
    assert Path(kept).parent == in_bucket.server.data_dir and (Path(kept) / "PG_VERSION").exists()
    assert f"DATABASE_URL={embedded_urls(in_bucket.server).owner}" in switched.stdout
    assert in_bucket.server.info().port == port
    assert snapshot(in_bucket.urls.superuser) == before  # the same URL serves the rows as of the time
    backup_id = next(line.split()[1].rstrip(":") for line in switched.stdout.splitlines() if line.startswith("backup "))
    assert f"turns/turns/base/{backup_id}/backup.info" in in_bucket.s3.keys(in_bucket.bucket)

    # The archive goes on in the bucket along the restored history: the newest backup restores up to now.
    added = Factory(in_bucket.urls).turn(Factory(in_bucket.urls).property(), wo_number="after the switch")
    checked = run_turns(["db", "check-backups"], in_bucket.env())
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout == f"backups OK: the newest restores and starts ({len(before['turns']) + 1} turns)\n"
    with psycopg.connect(in_bucket.urls.superuser or "") as conn:
        assert conn.execute("SELECT wo_number FROM turns WHERE id = %s", (added,)).fetchone() == ("after the switch",)


def test_check_backups_restores_the_newest_from_the_bucket(in_bucket: InBucket) -> None:
    Factory(in_bucket.urls).property()
    checked = run_turns(["db", "check-backups"], in_bucket.env())
    assert checked.returncode == 0, checked.stderr
    with psycopg.connect(in_bucket.urls.superuser or "") as conn:
        row = conn.execute("SELECT count(*) FROM turns").fetchone()
    assert row is not None
    assert checked.stdout == f"backups OK: the newest restores and starts ({row[0]} turns)\n"


@pytest.mark.parametrize("command", [["db", "backup"], ["db", "backups"], ["db", "check-backups"]])
def test_a_missing_bucket_or_wrong_credentials_is_one_line(in_bucket: InBucket, command: list[str]) -> None:
    missing = run_turns(command, in_bucket.env(bucket="no-such-bucket"))
    assert missing.returncode == 1
    assert missing.stderr.splitlines() == [
        "error: embedded PostgreSQL: the bucket no-such-bucket does not exist (TURNS_BACKUP_DIR=s3://no-such-bucket/turns)"
    ]
    refused = run_turns(command, in_bucket.env(secret="not-the-secret"))
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        f"error: embedded PostgreSQL: the bucket {in_bucket.bucket} refused the credentials"
        " (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)"
    ]
