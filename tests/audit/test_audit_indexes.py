"""The audit viewer's filters on rare values read an index in page order under RLS (migration
0010_search_audit), instead of walking the whole ``created_at`` index to find their rows."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
import pytest
from sqlalchemy import create_engine

from tests.fixtures.factory import Factory
from turns.audit.service import COLUMNS, AuditFilters, list_query
from turns.db.urls import DatabaseUrls

PSYCOPG = create_engine("postgresql+psycopg://").dialect
ROWS = 40_000


@pytest.fixture
def busy(db: DatabaseUrls, factory: Factory) -> dict[str, UUID]:
    """40,000 audit rows a second apart: mostly one admin's updates of turns; one in 100 a change
    of a vendor by another admin; one in 4,000 a deletion. And an admin to read them."""
    assert db.superuser is not None
    users = {"admin": factory.user("ADMIN").id, "busy": factory.user("ADMIN").id, "rare": factory.user("ADMIN").id}
    with psycopg.connect(db.superuser, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO audit_logs (table_name, record_id, action, user_id, user_email, user_name, user_role,"
            " created_at)"
            " SELECT CASE WHEN g %% 100 = 0 THEN 'vendors' ELSE 'turns' END, gen_random_uuid(),"
            "  (CASE WHEN g %% 4000 = 0 THEN 'DELETE' ELSE 'UPDATE' END)::audit_action,"
            "  CASE WHEN g %% 100 = 0 THEN %(rare)s::uuid ELSE %(busy)s::uuid END, 'x', 'x', 'ADMIN',"
            "  now() - g * interval '1 second'"
            " FROM generate_series(1, %(rows)s) g",
            {"rare": users["rare"], "busy": users["busy"], "rows": ROWS},
        )
        conn.execute("VACUUM ANALYZE audit_logs")
    return users


def page_plan(db: DatabaseUrls, admin: UUID, **filters: Any) -> tuple[str, list[str]]:
    """The plan of the viewer's first page for ``admin`` (as the application role) and its actions."""
    compiled = list_query("ADMIN", admin, AuditFilters(**filters), cursor=None, limit=50).compile(dialect=PSYCOPG)
    with psycopg.connect(db.app) as conn:
        conn.execute("SELECT set_config('app.current_user_id', %s, true)", (str(admin),))
        plan = "\n".join(str(r[0]) for r in conn.execute("EXPLAIN " + compiled.string, compiled.params))
        rows = conn.execute(compiled.string, compiled.params).fetchall()
    return plan, [str(row[COLUMNS.index("action")]) for row in rows]


def test_a_rare_action_reads_its_own_index(db: DatabaseUrls, busy: dict[str, UUID]) -> None:
    plan, actions = page_plan(db, busy["admin"], action="DELETE")
    assert "Index Scan using idx_audit_action_delete on audit_logs" in plan, plan
    assert "idx_audit_created_at" not in plan, plan
    assert actions == ["DELETE"] * (ROWS // 4000)


def test_a_rare_table_and_a_rare_actor_read_their_composite_index(db: DatabaseUrls, busy: dict[str, UUID]) -> None:
    plan, actions = page_plan(db, busy["admin"], table_name="vendors")
    assert "Index Scan using idx_audit_table_created on audit_logs" in plan, plan
    assert "Index Cond: ((table_name)::text = 'vendors'::text)" in plan, plan
    assert len(actions) == 51
    plan, actions = page_plan(db, busy["admin"], user_id=busy["rare"])
    assert "Index Scan using idx_audit_user_id on audit_logs" in plan, plan
    assert "Index Cond: (user_id = " in plan, plan
    assert len(actions) == 51


def test_single_column_indexes_replaced(factory: Factory) -> None:
    """The composite user_id index keeps the seed's name; the plain action index is gone."""
    indexes = dict(
        factory.query(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE tablename = 'audit_logs' AND indexname <> 'audit_logs_pkey'"
        )
    )
    assert indexes["idx_audit_user_id"].endswith("USING btree (user_id, created_at DESC)")
    assert indexes["idx_audit_table_created"].endswith("USING btree (table_name, created_at DESC)")
    assert indexes["idx_audit_action_delete"].endswith(
        "USING btree (created_at DESC) WHERE (action = 'DELETE'::audit_action)"
    )
    assert "idx_audit_action" not in indexes
    assert sorted(name for name in indexes if name.startswith("idx_audit_action_")) == [
        f"idx_audit_action_{action}" for action in ("create", "delete", "export", "update", "view")
    ]
