"""Search through the trigram indexes under RLS (a definer function that states the caller's
scope), and audit-log indexes for the newest rows of one actor, table or action."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0010_search_audit"
down_revision = "0009_settings_id"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0010_search_audit.up.sql")


def downgrade() -> None:
    run_sql_file("0010_search_audit.down.sql")
