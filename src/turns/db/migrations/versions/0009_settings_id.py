"""The single workflow settings row gets a UUID key, so its changes are audited like any row."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0009_settings_id"
down_revision = "0008_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0009_settings_id.up.sql")


def downgrade() -> None:
    run_sql_file("0009_settings_id.down.sql")
