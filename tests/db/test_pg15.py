"""The migrations on PostgreSQL 15 (Debian's postgresql-15 package), the oldest version Turns
supports: up, down to an empty schema, and up again."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from turns.db import migrate
from turns.db.embedded import SUPERUSER, EmbeddedPostgres
from turns.db.urls import DatabaseUrls, bootstrap_embedded, embedded_urls

PG15_BIN = Path("/usr/lib/postgresql/15/bin")
MISSING = "needs Debian's postgresql-15 package"


@pytest.fixture(scope="module")
def pg15(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    if not (PG15_BIN / "postgres").exists() or not (PG15_BIN / "initdb").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    server = EmbeddedPostgres(tmp_path_factory.mktemp("pg15") / "data", bin_dir=PG15_BIN, fast=True)
    server.ensure_running()
    try:
        yield server
    finally:
        server.stop("immediate")


@pytest.fixture
def urls15(pg15: EmbeddedPostgres) -> DatabaseUrls:
    bootstrap_embedded(pg15)
    return embedded_urls(pg15)


def _objects(url: str) -> tuple[set[str], int, int]:
    """Tables, views and materialized views of the schema; enum types; publications."""
    with psycopg.connect(url) as conn:
        relations = {
            str(r[0])
            for r in conn.execute(
                "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND relkind IN ('r', 'm', 'v')"
                " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')"
            )
        }
        enums = conn.execute(
            "SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
            " WHERE n.nspname = 'public' AND t.typtype = 'e'"
        ).fetchone()
        publications = conn.execute("SELECT count(*) FROM pg_publication").fetchone()
    assert enums is not None and publications is not None
    return relations, int(enums[0]), int(publications[0])


def test_server_is_postgresql_15(pg15: EmbeddedPostgres) -> None:
    with psycopg.connect(pg15.url(SUPERUSER, "postgres")) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()
        preload = conn.execute("SHOW shared_preload_libraries").fetchone()
    assert version is not None and version[0].startswith("15")
    assert preload == ("pg_stat_statements",)


def test_migrations_up_down_up(urls15: DatabaseUrls) -> None:
    assert migrate.current_revision(urls15.owner) is None
    migrate.upgrade(urls15.owner)
    assert migrate.current_revision(urls15.owner) == migrate.head_revision()
    full = _objects(urls15.owner)
    assert {"users", "turns", "audit_logs", "property_summary", "turn_stage_history", "notifications"} <= full[0]
    assert full[2] == 1

    migrate.downgrade(urls15.owner, "base")
    assert migrate.current_revision(urls15.owner) is None
    assert _objects(urls15.owner) == ({"alembic_version"}, 0, 0)

    migrate.upgrade(urls15.owner)
    assert migrate.current_revision(urls15.owner) == migrate.head_revision()
    assert _objects(urls15.owner) == full
    with psycopg.connect(urls15.superuser or urls15.owner) as conn:
        stages = conn.execute("SELECT count(*) FROM turn_stages").fetchone()
        rls = conn.execute("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'turns'").fetchone()
    assert stages == (5,)
    assert rls == (True,)
