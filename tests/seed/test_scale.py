"""The bulk generator: exact counts, the same rows every time, and a database left as the
triggers would have left it (metadata, history, audit, RLS forced, triggers enabled)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import psycopg
import pytest

from tests.fixtures.database import clone_database, drop_database
from turns.db.embedded import EmbeddedPostgres
from turns.db.urls import DatabaseUrls, embedded_urls
from turns.seed.scale import CONTEXT, DOMAIN, LOADED, ScaleResult, seed_scale, sizes

TODAY = date(2025, 6, 2)
PROPERTIES = 500
SYSTEM = "00000000-0000-0000-0000-000000000001"
# What seed 7 yields for 500 properties on TODAY (the generator is deterministic).
TURNS = 5028
HISTORY = 25_013
USERS = 7  # 4 managers, 1 senior manager, 1 DFO and 1 HO approver
VENDORS = 50
PROVIDERS = 18
APPROVALS = {"PENDING", "DFO_APPROVAL_NEEDED", "DFO_APPROVED", "HO_APPROVAL_NEEDED", "HO_APPROVED", "REJECTED"}

HASHES = {
    "properties": "SELECT md5(string_agg(p::text, '|' ORDER BY p.property_id)) FROM properties p",
    "turns": "SELECT md5(string_agg(t::text, '|' ORDER BY t.turn_id)) FROM turns t",
    "turn_stage_history": "SELECT md5(string_agg(h::text, '|' ORDER BY h.id)) FROM turn_stage_history h",
    "audit_logs": "SELECT md5(string_agg(a::text, '|' ORDER BY a.id)) FROM audit_logs a",
    "users": "SELECT md5(string_agg(u::text, '|' ORDER BY u.email)) FROM users u",
    "vendors": "SELECT md5(string_agg(v::text, '|' ORDER BY v.id)) FROM vendors v",
}


@contextmanager
def owner(urls: DatabaseUrls) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """An owner transaction that sees every row: FORCEd RLS is lifted in it, and it is rolled back."""
    with psycopg.connect(urls.owner) as conn:
        for table in (*LOADED, "turn_stages"):
            conn.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        try:
            yield conn
        finally:
            conn.rollback()


def scalar(conn: psycopg.Connection[tuple[object, ...]], query: str, *params: object) -> object:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def hashes(urls: DatabaseUrls) -> dict[str, object]:
    with owner(urls) as conn:
        return {table: scalar(conn, query) for table, query in HASHES.items()}


@pytest.fixture(scope="module")
def seeded(pg_server: EmbeddedPostgres, template_db: str) -> Iterator[tuple[DatabaseUrls, ScaleResult]]:
    """One fresh database loaded once for the read-only checks of this module."""
    name = clone_database(pg_server, template_db)
    try:
        urls = embedded_urls(pg_server, name)
        yield urls, seed_scale(urls.owner, PROPERTIES, today=TODAY)
    finally:
        drop_database(pg_server, name)


def test_sizes_follow_the_ratios() -> None:
    assert sizes(500) == {"managers": 4, "seniors": 1, "dfo_approvers": 1, "ho_approvers": 1, "vendors": 50}
    full = sizes(100_000 - 60)
    assert full == {"managers": 667, "seniors": 112, "dfo_approvers": 20, "ho_approvers": 5, "vendors": 9994}
    assert sizes(500_000)["vendors"] == 10_000


def test_exact_counts(seeded: tuple[DatabaseUrls, ScaleResult]) -> None:
    urls, result = seeded
    assert (result.properties, result.turns, result.history) == (PROPERTIES, TURNS, HISTORY)
    views = HISTORY - TURNS  # one lock-box visit per stage entered after the draft
    creates = USERS + VENDORS + PROVIDERS + PROPERTIES + TURNS + HISTORY
    assert result.audit == creates + views
    with owner(urls) as conn:
        assert scalar(conn, "SELECT count(*) FROM properties") == PROPERTIES
        assert scalar(conn, "SELECT count(*) FROM turns") == TURNS
        assert scalar(conn, "SELECT count(*) FROM users WHERE email LIKE %s", f"%@{DOMAIN}") == USERS
        assert scalar(conn, "SELECT count(*) FROM vendors") == VENDORS
        assert scalar(conn, "SELECT count(*) FROM utility_providers") == PROVIDERS
        # History: one row per stage entered, i.e. the current stage's position summed over turns.
        assert scalar(conn, "SELECT count(*) FROM turn_stage_history") == HISTORY
        assert scalar(conn, "SELECT sum(s.display_order) FROM turns t JOIN turn_stages s ON s.id = t.stage_id") == (
            HISTORY
        )
        by_action = {
            action: count
            for action, count in conn.execute(
                "SELECT action::text, count(*) FROM audit_logs WHERE context = %s GROUP BY 1", (CONTEXT,)
            )
        }
        assert by_action == {"CREATE": creates, "VIEW": views}
        assert scalar(conn, "SELECT count(*) FROM property_summary") == PROPERTIES
        assert scalar(conn, "SELECT sum(total_turns) FROM property_summary") == TURNS


def test_rows_are_as_the_triggers_would_leave_them(seeded: tuple[DatabaseUrls, ScaleResult]) -> None:
    urls, _ = seeded
    with owner(urls) as conn:
        for table in ("users", "vendors", "utility_providers", "properties", "turns", "turn_stage_history"):
            wrong_metadata = scalar(
                conn,
                f"SELECT count(*) FROM {table} WHERE id <> %s AND (version <> 1"
                " OR created_by <> %s OR updated_by <> %s OR created_at <> updated_at)",
                SYSTEM,
                SYSTEM,
                SYSTEM,
            )
            assert wrong_metadata == 0
            # Exactly one CREATE audit row per row, holding what audit_row_change() would store.
            missing = scalar(
                conn,
                f"SELECT count(*) FROM {table} r WHERE r.id <> %s AND NOT EXISTS"
                " (SELECT 1 FROM audit_logs a WHERE a.record_id = r.id AND a.action = 'CREATE'"
                "  AND a.table_name = %s)",
                SYSTEM,
                table,
            )
            assert missing == 0
        wrong = scalar(
            conn,
            "SELECT count(*) FROM turns t JOIN audit_logs a ON a.record_id = t.id AND a.action = 'CREATE'"
            " WHERE a.new_values IS DISTINCT FROM jsonb_set(to_jsonb(t), '{primary_lock_box_code}', '\"[redacted]\"')"
            "  OR a.property_id IS DISTINCT FROM t.property_id OR a.turn_id IS DISTINCT FROM t.id"
            "  OR a.vendor_id IS DISTINCT FROM t.vendor_id OR a.user_id <> %s OR a.user_role <> 'SUPER_ADMIN'"
            "  OR a.created_at <> t.created_at OR a.context <> %s"
            "  OR a.changed_fields <> (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(to_jsonb(t)) k)",
            SYSTEM,
            CONTEXT,
        )
        assert wrong == 0
        wrong = scalar(
            conn,
            "SELECT count(*) FROM turn_stage_history h JOIN audit_logs a ON a.record_id = h.id"
            " WHERE a.new_values IS DISTINCT FROM to_jsonb(h) OR a.turn_id <> h.turn_id"
            "  OR a.property_id <> h.property_id",
        )
        assert wrong == 0
        # Every turn entered its stages in order, each at a later time, ending in its current stage.
        broken = scalar(
            conn,
            """
            SELECT count(*) FROM turns t JOIN turn_stages s ON s.id = t.stage_id
            WHERE NOT EXISTS (SELECT 1 FROM turn_stage_history h WHERE h.turn_id = t.id AND h.to_stage_id = t.stage_id)
               OR (SELECT array_agg(hs.display_order ORDER BY h.changed_at) FROM turn_stage_history h
                   JOIN turn_stages hs ON hs.id = h.to_stage_id WHERE h.turn_id = t.id)
                  <> (SELECT array_agg(g) FROM generate_series(1, s.display_order) g)
               OR (SELECT max(h.changed_at) FROM turn_stage_history h WHERE h.turn_id = t.id) > %s::date
        """,
            TODAY,
        )
        assert broken == 0
        assert (
            scalar(
                conn,
                "SELECT count(*) FROM turn_stage_history h JOIN turn_stages s ON s.id = h.to_stage_id"
                " WHERE (s.display_order = 1) <> (h.from_stage_id IS NULL)",
            )
            == 0
        )


def test_every_stage_and_approval_status(seeded: tuple[DatabaseUrls, ScaleResult]) -> None:
    urls, _ = seeded
    with owner(urls) as conn:
        rows = conn.execute(
            "SELECT s.name, t.scope_approval_status::text, t.is_active, count(*) FROM turns t"
            " JOIN turn_stages s ON s.id = t.stage_id GROUP BY 1, 2, 3"
        ).fetchall()
        seen = {(str(stage), str(status), bool(active)) for stage, status, active, _ in rows}
        assert {stage for stage, _, _ in seen} == {"Draft", "Scope Approval", "In Progress", "Final Walk", "Complete"}
        assert {status for stage, status, _ in seen if stage == "Scope Approval"} == APPROVALS
        assert {status for stage, status, _ in seen if stage == "Draft"} == {"PENDING"}
        assert {status for stage, status, _ in seen if stage in ("In Progress", "Final Walk", "Complete")} == {
            "DFO_APPROVED",
            "HO_APPROVED",
        }
        assert {active for stage, _, active in seen if stage == "Complete"} == {False}
        assert {active for stage, _, active in seen if stage != "Complete"} == {True}
        active = sum(int(str(n)) for _, _, is_active, n in rows if is_active)
        assert active == PROPERTIES // 10  # one property in ten has a turn under way
        # The approval fields agree with the status, and HO approval goes with amounts over the threshold.
        assert (
            scalar(
                conn,
                """
            SELECT count(*) FROM turns t WHERE
              (t.scope_approval_status IN ('DFO_APPROVED', 'HO_APPROVED')) <> (t.approved_turn_amount IS NOT NULL)
              OR (t.scope_approval_status = 'HO_APPROVED') <> (t.ho_approval_user_id IS NOT NULL)
              OR (t.scope_approval_status IN ('HO_APPROVED', 'HO_APPROVAL_NEEDED')) <> (t.turn_amount > 10000)
                 AND t.scope_approval_status NOT IN ('PENDING', 'REJECTED', 'DFO_APPROVAL_NEEDED')
              OR (t.scope_approval_status = 'REJECTED') <> (t.reject_reason IS NOT NULL)
              OR (t.scope_approval_status <> 'PENDING') <> (t.scope_submitted_at IS NOT NULL)
              OR (t.scope_approval_status IN ('DFO_APPROVAL_NEEDED', 'HO_APPROVAL_NEEDED'))
                 AND t.approval_requested_at IS NULL
              OR (t.is_active = false) <> (t.turn_completion_date IS NOT NULL)
        """,
            )
            == 0
        )
        span = conn.execute("SELECT min(move_out_date), max(move_out_date) FROM turns").fetchone()
        assert span is not None
        first, last = span
        assert isinstance(first, date) and isinstance(last, date)
        assert (TODAY - first).days > 8 * 365 and last <= TODAY


def test_security_and_triggers_are_restored(seeded: tuple[DatabaseUrls, ScaleResult]) -> None:
    urls, _ = seeded
    with psycopg.connect(urls.owner) as conn:
        not_forced = conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
            " AND relname <> 'alembic_version' AND NOT (relrowsecurity AND relforcerowsecurity)"
        ).fetchall()
        assert not_forced == []
        disabled = conn.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE tgenabled <> 'O'"
        ).fetchall()
        assert disabled == []
        # Foreign keys are back and validated, and FORCE applies to the owner again.
        assert scalar(conn, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND NOT convalidated") == 0
        assert (
            scalar(
                conn,
                "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'turn_stage_history'::regclass",
            )
            == 7
        )
        assert scalar(conn, "SELECT count(*) FROM properties") == 0


def test_indexes_are_the_migrations_own(db: DatabaseUrls) -> None:
    query = (
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
        " WHERE indrelid = ANY ('{properties,turns,turn_stage_history,audit_logs}'::regclass[]) ORDER BY 1"
    )
    with psycopg.connect(db.owner) as conn:
        before = conn.execute(query).fetchall()
    seed_scale(db.owner, 20, today=TODAY)
    with psycopg.connect(db.owner) as conn:
        assert conn.execute(query).fetchall() == before
    assert len(before) > 30


def test_manager_sees_only_their_portfolio(seeded: tuple[DatabaseUrls, ScaleResult]) -> None:
    urls, _ = seeded
    with owner(urls) as conn:
        manager = str(scalar(conn, "SELECT id FROM users WHERE email = %s", f"pm00002@{DOMAIN}"))
        senior = str(scalar(conn, "SELECT id FROM users WHERE email = %s", f"srpm0001@{DOMAIN}"))
        portfolio = scalar(conn, "SELECT count(*) FROM properties WHERE property_manager_id = %s", manager)
        their_turns = scalar(
            conn,
            "SELECT count(*) FROM turns t JOIN properties p ON p.id = t.property_id WHERE p.property_manager_id = %s",
            manager,
        )
    assert portfolio == 150
    with psycopg.connect(urls.app) as conn:
        conn.execute("SELECT set_config('app.current_user_id', %s, true)", (manager,))
        managers = conn.execute("SELECT DISTINCT property_manager_id::text FROM properties").fetchall()
        assert managers == [(manager,)]
        assert scalar(conn, "SELECT count(*) FROM properties") == 150
        assert scalar(conn, "SELECT count(*) FROM turns") == their_turns
        conn.rollback()
        conn.execute("SELECT set_config('app.current_user_id', %s, true)", (senior,))
        assert scalar(conn, "SELECT count(*) FROM properties") == PROPERTIES  # all four managers report to them
        conn.rollback()
        assert scalar(conn, "SELECT count(*) FROM properties") == 0  # nobody acting: nothing visible


def test_two_runs_give_the_same_rows(seeded: tuple[DatabaseUrls, ScaleResult], db: DatabaseUrls) -> None:
    urls, _ = seeded
    seed_scale(db.owner, PROPERTIES, today=TODAY)
    first, second = hashes(urls), hashes(db)
    assert first == second
    assert all(isinstance(v, str) and len(v) == 32 for v in first.values())


def test_refuses_to_load_twice(seeded: tuple[DatabaseUrls, ScaleResult]) -> None:
    from turns.seed.demo import SeedError

    urls, _ = seeded
    with pytest.raises(SeedError, match="already loaded"):
        seed_scale(urls.owner, 10, today=TODAY)
    with owner(urls) as conn:
        assert scalar(conn, "SELECT count(*) FROM properties") == PROPERTIES
