"""Sync wakes at a synced table's commit: a statement trigger notifies the engine's channel."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0029_sync_wake"
down_revision = "0028_session_lookup"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0029_sync_wake.up.sql")


def downgrade() -> None:
    run_sql_file("0029_sync_wake.down.sql")
