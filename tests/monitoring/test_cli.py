"""``turns monitor``: the database reports from the command line, against a test database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner, Result

from tests.monitoring.helpers import drop_statements_extension
from turns.cli import app
from turns.db.urls import DatabaseUrls
from turns.monitoring import queries


@pytest.fixture
def configured(db: DatabaseUrls, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> DatabaseUrls:
    """The command configured for the test database (as on Neon: owner and pooled URLs)."""
    monkeypatch.setenv("DATABASE_URL", db.owner)
    monkeypatch.setenv("DATABASE_POOLED_URL", db.app)
    monkeypatch.setenv("TURNS_DATA_DIR", str(tmp_path / "unused"))
    monkeypatch.delenv("NEON_READ_REPLICA_URL", raising=False)
    return db


def monitor(*args: str) -> Result:
    result = CliRunner().invoke(app, ["monitor", *args])
    assert "Traceback" not in result.output
    return result


def report(*args: str) -> dict[str, Any]:
    result = monitor(*args, "--json")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


@pytest.fixture
def idle_session(db: DatabaseUrls) -> Iterator[None]:
    with psycopg.connect(db.owner, application_name="monitor-test") as conn:
        conn.execute("SELECT 4242 AS monitor_probe")
        conn.commit()
        yield


def test_slow_queries(configured: DatabaseUrls, idle_session: None) -> None:
    body = report("slow-queries", "--limit", "1000", "--by", "mean")
    probe = [r for r in body["rows"] if "monitor_probe" in r["query"]]
    assert len(probe) == 1
    assert probe[0]["query"] == "SELECT $1 AS monitor_probe"
    assert (probe[0]["role"], probe[0]["calls"], probe[0]["rows"]) == ("turns_owner", 1, 1)
    means = [r["mean_ms"] for r in body["rows"]]
    assert means == sorted(means, reverse=True)
    # The owner is no member of pg_read_all_stats: others' statements are there, their text hidden.
    assert body["message"] == (
        "statements of roles other than turns_owner are hidden: grant pg_monitor (or pg_read_all_stats) to turns_owner"
    )
    text = monitor("slow-queries", "--limit", "3")
    assert text.exit_code == 0
    assert text.output.splitlines()[0].split() == ["total", "ms", "mean", "ms", "calls", "rows", "role", "query"]
    assert text.output.splitlines()[-1].startswith("note: statements of roles other than turns_owner are hidden")


def test_slow_queries_without_the_extension(configured: DatabaseUrls) -> None:
    drop_statements_extension(configured)
    result = monitor("slow-queries")
    assert result.exit_code == 0
    assert result.output == (
        "note: pg_stat_statements is not installed in this database: a superuser must run"
        " CREATE EXTENSION pg_stat_statements (and the server must preload it)\n"
    )


def test_superuser_sees_every_role(db: DatabaseUrls) -> None:
    assert db.superuser is not None
    found = asyncio.run(queries.run_on(db.superuser, queries.slow_queries))
    assert found.message is None
    assert all(r.query != "<insufficient privilege>" for r in found.rows)


def test_sizes(configured: DatabaseUrls) -> None:
    body = report("sizes", "--limit", "1000")
    assert body["database_bytes"] > 1_000_000
    tables = {t["table"]: t for t in body["tables"]}
    assert {"turns", "properties", "audit_logs", "jobs.procrastinate_jobs", "property_summary"} <= tables.keys()
    turns = tables["turns"]
    assert turns["total_bytes"] == turns["table_bytes"] + turns["index_bytes"]
    indexes = {i["index"]: i for i in body["indexes"]}
    assert indexes["idx_turns_search_id"]["table"] == "turns"
    text = monitor("sizes", "--limit", "2")
    assert text.output.startswith("database: ")
    assert "MB" in text.output.splitlines()[0]


def test_unused_indexes(configured: DatabaseUrls) -> None:
    body = report("unused-indexes")
    names = {r["index"] for r in body["rows"]}
    assert "idx_vendors_search_contact" in names
    assert not any(n.endswith(("_pkey", "_key")) for n in names)
    contact = next(r for r in body["rows"] if r["index"] == "idx_vendors_search_contact")
    assert contact["definition"] == (
        "CREATE INDEX idx_vendors_search_contact ON public.vendors USING gin (contact_name gin_trgm_ops)"
        " WITH (fastupdate=off)"
    )
    assert monitor("unused-indexes").output.startswith("never scanned")


def test_connections(configured: DatabaseUrls, idle_session: None) -> None:
    body = report("connections")
    groups = {(r["application"], r["state"]): r["count"] for r in body["rows"]}
    assert groups[("monitor-test", "idle")] == 1
    assert groups[("turns-monitor", "active")] == 1  # the command itself
    assert body["message"] == (
        "connections of roles other than turns_owner are hidden: grant pg_monitor (or pg_read_all_stats) to turns_owner"
    )


def test_replicas_without_a_replica(configured: DatabaseUrls) -> None:
    result = monitor("replicas")
    assert result.exit_code == 0
    assert result.output == "no read replica configured: every read goes to the primary\n"


def test_unreachable_database_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://turns_owner:nothing@127.0.0.1:1/turns")
    monkeypatch.setenv("TURNS_APP_PASSWORD", "unused")
    monkeypatch.setenv("TURNS_DATA_DIR", str(tmp_path))
    result = monitor("sizes")
    assert result.exit_code == 1
    assert result.output.startswith("error: cannot reach the database")
