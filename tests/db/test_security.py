"""Row-level security and the application role, with one test per errata item
(seed-errata.md) that the seed's SQL as written would fail.

Errata items covered elsewhere:
1 (turns before vendors) — tests/db/test_migrations.py runs every migration on an empty
  database; test_schema.py::test_foreign_keys_and_unique_keys checks turns -> vendors.
7, 8, 21 (undefined tables, base columns, turn_stages.created_by) — test_schema.py checks
  every table's columns, base columns included.
15 — the database half here (test_stale_version_write_changes_nothing), the trigger owning
  `version` in test_triggers.py, the HTTP 409 in tests/properties and tests/turns.
20's system actor in the audit trigger — test_triggers.py.
17 (replica lag in bytes) — tests/replicas/test_health.py and test_monitor_command.py
  measure the standby's lag; test_seed_lag_query_reads_null_on_a_primary shows the flaw.
18, 19 (Electric's settings and the URL it replicates from) — test_sync_uses_todays_settings
  and test_replication_url_is_the_direct_primary below.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from psycopg import errors

from tests.fixtures.factory import Factory, User
from turns.config import Settings
from turns.db import logins
from turns.db.context import SET_CONTEXT_SQL, Actor, system_actor
from turns.db.urls import DatabaseUrls, resolve
from turns.seed.demo import Credential

ROOT = Path(__file__).resolve().parents[2]

BUSINESS_TABLES = {
    "users",
    "sessions",
    "vendors",
    "utility_providers",
    "properties",
    "turn_stages",
    "turns",
    "turn_stage_history",
    "notifications",
    "audit_logs",
    "auth_throttle",
    "workflow_settings",
    "email_outbox",
    "export_jobs",
    "photos",
    "photo_blobs_gone",
    "photo_uploads",
    "bid_requests",
    "bid_request_lines",
    "bids",
    "bid_prices",
}
SYNCED = {
    "users",
    "properties",
    "turns",
    "turn_stages",
    "vendors",
    "utility_providers",
    "notifications",
    "turn_stage_history",
    "photos",
    "scope_lines",
    "bid_requests",
    "bid_request_lines",
    "bids",
    "bid_prices",
    "vendor_visits",
    "inspections",
    "inspection_results",
}


PARALLEL = {"users", "properties", "turns", "turn_stages", "vendors", "utility_providers", "notifications"}
"""The synced tables a parallel plan can read (their policies call only the helpers)."""


@pytest.fixture
def app_conn(db: DatabaseUrls) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(db.app) as conn:
        yield conn


def act_as(conn: psycopg.Connection[tuple[object, ...]], user: User | UUID) -> None:
    """Start a transaction acting as ``user`` (transaction-local settings, as the API does)."""
    user_id = user if isinstance(user, UUID) else user.id
    conn.execute(SET_CONTEXT_SQL, Actor(user_id=user_id, context="test").params())


def count(conn: psycopg.Connection[tuple[object, ...]], query: str, params: Sequence[object] | None = None) -> int:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return int(str(row[0]))


# -- the application role (errata 9) ------------------------------------------------------
def test_app_role_is_no_owner_superuser_or_rls_bypasser(factory: Factory) -> None:
    attrs = factory.query("SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = %s", (logins.APP,))
    assert attrs == [(False, False, True)]
    owned = factory.query(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = %s",
        (logins.APP,),
    )
    assert owned == []
    owners = factory.query(
        "SELECT pg_get_userbyid(d.datdba), pg_get_userbyid(n.nspowner) FROM pg_database d, pg_namespace n"
        " WHERE d.datname = current_database() AND n.nspname = 'public'"
    )
    assert len(owners) == 1 and owners[0][0] == logins.OWNER and logins.APP not in owners[0]
    members = factory.query(
        "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid"
        " WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = %s)",
        (logins.APP,),
    )
    assert members == []
    owner = factory.query("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", (logins.OWNER,))
    assert owner == [(False, False)]


def test_every_business_table_has_rls_enabled_and_forced(factory: Factory) -> None:
    rows = factory.query(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
    )
    flags = {str(name): (rls, forced) for name, rls, forced in rows}
    assert set(flags) >= BUSINESS_TABLES
    for table in BUSINESS_TABLES:
        assert flags[table] == (True, True), table


def test_policies_per_command_have_using_and_with_check(factory: Factory) -> None:
    """Errata 12: INSERT and UPDATE policies carry WITH CHECK; SELECT, UPDATE, DELETE carry USING."""
    rows = factory.query(
        "SELECT tablename, policyname, cmd, qual IS NOT NULL, with_check IS NOT NULL FROM pg_policies"
        " WHERE schemaname = 'public'"
    )
    assert rows
    for _table, name, cmd, has_using, has_check in rows:
        if cmd in ("SELECT", "DELETE"):
            assert has_using, name
        elif cmd == "INSERT":
            assert has_check, name
        else:  # UPDATE and ALL
            assert has_using and has_check, name
    commands = {(str(t), str(c)) for t, _, c, *_ in rows}
    for table in ("properties", "turns", "vendors"):
        assert {(table, c) for c in ("SELECT", "INSERT", "UPDATE", "DELETE")} <= commands
    assert {("users", "SELECT"), ("users", "INSERT"), ("users", "UPDATE")} <= commands


# -- errata 9, 10, 11, 12: who sees and writes what -----------------------------------------
def test_manager_cannot_see_or_change_another_managers_property(
    factory: Factory, app_conn: psycopg.Connection[tuple[object, ...]]
) -> None:
    mine, theirs = factory.user("PROPERTY_MANAGER"), factory.user("PROPERTY_MANAGER")
    own = factory.property(manager=mine)
    other = factory.property(manager=theirs)
    factory.turn(other)
    act_as(app_conn, mine)
    visible = {r[0] for r in app_conn.execute("SELECT id FROM properties")}
    assert visible == {own}
    assert count(app_conn, "SELECT count(*) FROM turns") == 0
    updated = app_conn.execute("UPDATE properties SET name = 'taken' WHERE id = %s", (other,)).rowcount
    assert updated == 0
    app_conn.rollback()
    assert factory.query("SELECT name FROM properties WHERE id = %s", (other,)) != [("taken",)]


def test_parallel_workers_see_what_the_session_sees(
    db: DatabaseUrls, demo: dict[str, Credential], app_conn: psycopg.Connection[tuple[object, ...]]
) -> None:
    """The policies' helpers are parallel safe, so large reads under RLS can use parallel plans
    (the tables whose policies join another table's rows stay in one process): a forced
    parallel plan reads exactly the rows the session reads, for every role and table."""
    with psycopg.connect(db.owner) as conn:
        conn.execute(SET_CONTEXT_SQL, system_actor("test").params())
        emails = [c.email for c in demo.values()]
        users = conn.execute("SELECT id, role::text FROM users WHERE email = ANY(%s)", (emails,)).fetchall()
    assert len(users) == len(demo)
    for user_id, role in users:
        for table in sorted(SYNCED):
            query = f"SELECT id FROM {table} ORDER BY id"
            act_as(app_conn, user_id)
            serial = app_conn.execute(query).fetchall()
            app_conn.execute("SET LOCAL debug_parallel_query = on")
            plan = "\n".join(str(r[0]) for r in app_conn.execute(f"EXPLAIN {query}"))
            assert ("Gather" in plan) == (table in PARALLEL), (role, table, plan)
            assert app_conn.execute(query).fetchall() == serial, (role, table)
            app_conn.rollback()


def test_owner_role_is_filtered_too(db: DatabaseUrls, factory: Factory) -> None:
    """Errata 9: FORCE ROW LEVEL SECURITY, so even the table owner sees nothing unasked."""
    factory.property()
    with psycopg.connect(db.owner) as conn:
        assert count(conn, "SELECT count(*) FROM properties") == 0
    assert factory.query("SELECT count(*) FROM properties") == [(1,)]


def test_unset_user_yields_no_rows_not_an_error(
    factory: Factory, app_conn: psycopg.Connection[tuple[object, ...]]
) -> None:
    """Errata 10: no setting at all, and the '' a finished transaction leaves, both mean nobody."""
    factory.turn(factory.property())
    tables = ("users", "vendors", "properties", "turns", "turn_stages", "notifications", "audit_logs")
    for table in tables:
        assert count(app_conn, f"SELECT count(*) FROM {table}") == 0, table
    app_conn.rollback()
    act_as(app_conn, factory.user("ADMIN"))
    assert count(app_conn, "SELECT count(*) FROM properties") == 1
    app_conn.commit()
    assert app_conn.execute("SELECT current_setting('app.current_user_id', true)").fetchone() == ("",)
    for table in tables:
        assert count(app_conn, f"SELECT count(*) FROM {table}") == 0, table


def test_tables_the_seed_left_open_are_closed(
    factory: Factory, app_conn: psycopg.Connection[tuple[object, ...]]
) -> None:
    """Errata 11: vendors, users, sessions and notifications are not readable by anyone."""
    vendor_user = factory.user("VENDOR")
    other = factory.user("PROPERTY_MANAGER")
    factory.vendor()
    factory.query(
        "INSERT INTO notifications (user_id, kind, title) VALUES (%s, 'test', 'for someone else') RETURNING id",
        (other.id,),
    )
    act_as(app_conn, vendor_user)
    assert {r[0] for r in app_conn.execute("SELECT id FROM vendors")} == {vendor_user.vendor_id}
    assert {r[0] for r in app_conn.execute("SELECT id FROM users")} == {vendor_user.id}
    assert count(app_conn, "SELECT count(*) FROM notifications") == 0
    with pytest.raises(errors.InsufficientPrivilege):
        app_conn.execute("SELECT count(*) FROM sessions")
    app_conn.rollback()
    act_as(app_conn, factory.user("ADMIN"))
    with pytest.raises(errors.InsufficientPrivilege):
        app_conn.execute("SELECT password_hash FROM users")


def test_manager_cannot_create_a_turn_outside_their_portfolio(
    factory: Factory, app_conn: psycopg.Connection[tuple[object, ...]]
) -> None:
    """Errata 12: the seed's turn_access had USING only; an INSERT needs WITH CHECK."""
    manager = factory.user("PROPERTY_MANAGER")
    own = factory.property(manager=manager)
    other = factory.property(manager=factory.user("PROPERTY_MANAGER"))
    stage = factory.stage_id(1)
    act_as(app_conn, manager)
    insert = "INSERT INTO turns (turn_id, property_id, stage_id) VALUES (%s, %s, %s)"
    app_conn.execute(insert, ("T-OWN", own, stage))
    with pytest.raises(errors.InsufficientPrivilege):
        app_conn.execute(insert, ("T-OTHER", other, stage))
    app_conn.rollback()
    act_as(app_conn, manager)
    # Nor move one of their own turns onto someone else's property.
    app_conn.execute(insert, ("T-OWN", own, stage))
    with pytest.raises(errors.InsufficientPrivilege):
        app_conn.execute("UPDATE turns SET property_id = %s WHERE turn_id = 'T-OWN'", (other,))
    app_conn.rollback()
    assert factory.query("SELECT count(*) FROM turns") == [(0,)]


# -- errata 13, 14, 15 ------------------------------------------------------------------------
def test_session_token_hash_must_be_a_sha256(factory: Factory) -> None:
    """Errata 13: a stored value that is not a 32-byte hash (a raw token) is refused."""
    user = factory.user("USER")
    insert = "INSERT INTO sessions (user_id, token_hash, expires_at) VALUES (%s, %s, '2100-01-01') RETURNING id"
    with pytest.raises(errors.CheckViolation):
        factory.query(insert, (user.id, b"raw-bearer-token"))
    assert len(factory.query(insert, (user.id, bytes(32)))) == 1


@pytest.mark.parametrize("email", ["someone@example.c|m", "someone@exa|mple.com", "a@b.c", "no-at-sign.com"])
def test_malformed_email_is_rejected(factory: Factory, email: str) -> None:
    """Errata 14: the seed's `[A-Z|a-z]` accepted a `|` in the domain."""
    with pytest.raises(errors.CheckViolation):
        factory.user("USER", email=email)


def test_email_is_lower_cased_and_unique_ignoring_case(factory: Factory) -> None:
    user = factory.user("USER", email="  Mixed.Case@Example.COM ")
    assert factory.query("SELECT email FROM users WHERE id = %s", (user.id,)) == [("mixed.case@example.com",)]
    with pytest.raises(errors.UniqueViolation):
        factory.user("USER", email="MIXED.case@example.com")


def test_stale_version_write_changes_nothing(
    factory: Factory, app_conn: psycopg.Connection[tuple[object, ...]]
) -> None:
    """Errata 15: a write carrying the version it read; a stale one matches no row."""
    admin = factory.user("ADMIN")
    prop = factory.property(name="Before")
    act_as(app_conn, admin)
    write = "UPDATE properties SET name = %s WHERE id = %s AND version = %s"
    assert app_conn.execute(write, ("First", prop, 1)).rowcount == 1
    assert app_conn.execute(write, ("Stale", prop, 1)).rowcount == 0
    app_conn.commit()
    assert factory.query("SELECT name, version FROM properties WHERE id = %s", (prop,)) == [("First", 2)]


# -- errata 6, 7, 16: sync ----------------------------------------------------------------------
def test_one_publication_lists_exactly_the_synced_tables(factory: Factory) -> None:
    pubs = factory.query("SELECT pubname, puballtables FROM pg_publication")
    assert pubs == [("electric_publication", False)]
    tables = factory.query("SELECT tablename FROM pg_publication_tables WHERE pubname = 'electric_publication'")
    assert {str(r[0]) for r in tables} == SYNCED
    identity = factory.query(
        "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relkind = 'r' AND relreplident = 'f'",
        (list(SYNCED),),
    )
    assert {str(r[0]) for r in identity} == SYNCED


def test_one_replication_role_name(db: DatabaseUrls, factory: Factory) -> None:
    """Errata 16: one role, named the same in the code and the URL it connects with."""
    assert factory.query(
        "SELECT rolname, rolreplication, rolbypassrls FROM pg_roles WHERE rolname LIKE '%%electric%%' OR rolname = %s",
        (logins.REPLICATION,),
    ) == [(logins.REPLICATION, True, False)]
    with psycopg.connect(db.replication) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (logins.REPLICATION,)
        # It reads every synced row (it filters per user itself), never the secrets.
        factory.turn(factory.property())
        assert count(conn, "SELECT count(*) FROM turns") == 1
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("SELECT primary_lock_box_code FROM turns")


def test_replication_url_is_the_direct_primary(monkeypatch: pytest.MonkeyPatch) -> None:
    """Errata 19: sync replicates from the primary's direct endpoint, never the pooler or replica."""
    monkeypatch.setenv("DATABASE_URL", "postgresql://owner:pw@primary.internal:5432/turns")
    monkeypatch.setenv("DATABASE_POOLED_URL", "postgresql://turns_app:pw@pooler.internal:6432/turns")
    monkeypatch.setenv("NEON_READ_REPLICA_URL", "postgresql://turns_app:pw@replica.internal:5432/turns")
    monkeypatch.setenv("TURNS_REPLICATION_PASSWORD", "secret")
    monkeypatch.delenv("ELECTRIC_DATABASE_URL", raising=False)
    urls = resolve(Settings.from_env(), start=False)
    assert urls.replication == "postgresql://turns_replication:secret@primary.internal:5432/turns"
    assert urls.app.startswith("postgresql://turns_app:")


def test_sync_uses_todays_settings() -> None:
    """Errata 18: the retired 0.x Electric settings appear nowhere in the code or the docs."""
    retired = ("ELECTRIC_WRITE_TO_PG_MODE", "LOGICAL_PUBLISHER_HOST", "electric_user")
    files = [*ROOT.joinpath("src").rglob("*.*"), *ROOT.joinpath("docs").rglob("*.md"), ROOT / "README.md"]
    for path in files:
        if path.suffix in (".py", ".sql", ".md", ".toml", ".yml", ".yaml"):
            text = path.read_text()
            assert not [name for name in retired if name in text], path


# -- errata 2, 3, 4, 5, 17: queries the seed wrote that fail or mislead ---------------------------
def test_no_index_predicate_calls_a_moving_clock(factory: Factory) -> None:
    """Errata 2: no partial index on NOW(); the plain created_at DESC index serves."""
    predicates = factory.query(
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexdef ILIKE '%%now()%%'"
    )
    assert predicates == []
    assert factory.query("SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_audit_created_at'") == [
        ("CREATE INDEX idx_audit_created_at ON public.audit_logs USING btree (created_at DESC)",)
    ]
    with pytest.raises(errors.InvalidObjectDefinition):
        factory.query(
            "CREATE INDEX idx_audit_recent ON audit_logs(created_at DESC) WHERE created_at > NOW() - INTERVAL '30 days'"
        )


def test_slow_query_view_runs(factory: Factory) -> None:
    """Errata 3: pg_stat_statements is preloaded and created, so the seed's slow-query view runs."""
    assert factory.query("SHOW shared_preload_libraries") == [("pg_stat_statements",)]
    assert factory.query("SELECT extname FROM pg_extension WHERE extname = 'pg_stat_statements'") == [
        ("pg_stat_statements",)
    ]
    rows = factory.query(
        "SELECT query, calls, mean_exec_time, total_exec_time FROM pg_stat_statements"
        " WHERE mean_exec_time > 100 ORDER BY mean_exec_time DESC"
    )
    assert isinstance(rows, list)
    assert factory.query("SELECT count(*) > 0 FROM pg_stat_statements") == [(True,)]


def test_unused_index_query_needs_relname_and_indexrelname(factory: Factory) -> None:
    """Errata 4: the seed's column names do not exist; the corrected query lists our indexes."""
    with pytest.raises(errors.UndefinedColumn):
        factory.query(
            "SELECT schemaname, tablename, indexname, idx_scan FROM pg_stat_user_indexes"
            " WHERE idx_scan = 0 AND indexname NOT LIKE '%%_pkey'"
        )
    rows = factory.query(
        "SELECT schemaname, relname, indexrelname, idx_scan FROM pg_stat_user_indexes"
        " WHERE indexrelname NOT LIKE '%%_pkey'"
    )
    assert "idx_audit_created_at" in {str(r[2]) for r in rows}


def test_per_endpoint_query_has_no_client_addr(factory: Factory) -> None:
    """Errata 5: pg_stat_statements has no client_addr, so the seed's per-endpoint query fails."""
    with pytest.raises(errors.UndefinedColumn):
        factory.query(
            "SELECT CASE WHEN client_addr = 'replica_ip' THEN 'Read Replica' ELSE 'Primary' END AS endpoint,"
            " COUNT(*) AS query_count, AVG(mean_exec_time) AS avg_time_ms FROM pg_stat_statements GROUP BY endpoint"
        )


def test_seed_lag_query_reads_null_on_a_primary(factory: Factory) -> None:
    """Errata 17: pg_last_xact_replay_timestamp() is NULL on a primary, so the seed's seconds
    never measured anything there; the byte position it compares against is what lag is built on."""
    assert factory.query("SELECT pg_is_in_recovery(), pg_last_xact_replay_timestamp()") == [(False, None)]
    assert factory.query("SELECT pg_current_wal_lsn() IS NOT NULL") == [(True,)]


def test_system_action_has_no_user_but_a_reason(factory: Factory) -> None:
    """Errata 20: a system action is recorded without a user, with its reason in `context`."""
    with pytest.raises(errors.CheckViolation):
        factory.query(
            "INSERT INTO audit_logs (table_name, record_id, action, user_email, user_name, user_role)"
            " VALUES ('x', gen_random_uuid(), 'CREATE', 'system', 'system', 'SYSTEM')"
        )
    factory.query(
        "INSERT INTO audit_logs (table_name, record_id, action, user_email, user_name, user_role, context)"
        " VALUES ('x', gen_random_uuid(), 'CREATE', 'system', 'system', 'SYSTEM', 'nightly job') RETURNING id"
    )
