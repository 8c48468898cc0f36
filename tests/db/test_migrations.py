import psycopg

from turns.db import migrate
from turns.db.urls import DatabaseUrls


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {
            r[0]
            for r in conn.execute(
                "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND relkind IN ('r', 'm', 'v')"
                " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')"
            )
        }


def test_upgrade_downgrade_upgrade(empty_db: DatabaseUrls) -> None:
    assert migrate.current_revision(empty_db.owner) is None
    migrate.upgrade(empty_db.owner)
    assert migrate.current_revision(empty_db.owner) == migrate.head_revision()
    full = _tables(empty_db.owner)
    assert {"users", "turns", "audit_logs", "property_summary", "turn_stage_history"} <= full

    migrate.downgrade(empty_db.owner, "base")
    assert migrate.current_revision(empty_db.owner) is None
    assert _tables(empty_db.owner) == {"alembic_version"}
    with psycopg.connect(empty_db.owner) as conn:
        assert conn.execute(
            "SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
            " WHERE n.nspname = 'public' AND t.typtype = 'e'"
        ).fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM pg_publication").fetchone() == (0,)

    migrate.upgrade(empty_db.owner)
    assert _tables(empty_db.owner) == full


def test_each_step_down_and_up(empty_db: DatabaseUrls) -> None:
    migrate.upgrade(empty_db.owner)
    revisions = ["0004_reference_data", "0003_sync_reporting", "0002_security", "0001_schema", "base"]
    for revision in revisions:
        migrate.downgrade(empty_db.owner, revision)
        assert migrate.current_revision(empty_db.owner) == (None if revision == "base" else revision)
    migrate.upgrade(empty_db.owner)
    assert migrate.current_revision(empty_db.owner) == migrate.head_revision()
