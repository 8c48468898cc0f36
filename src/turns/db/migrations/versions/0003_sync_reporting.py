"""Sync publication and replication grants; the property_summary materialized view."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0003_sync_reporting"
down_revision = "0002_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0003_sync_reporting.up.sql")


def downgrade() -> None:
    run_sql_file("0003_sync_reporting.down.sql")
