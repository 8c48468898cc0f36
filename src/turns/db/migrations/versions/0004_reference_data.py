"""Reference data: the system user and the five default stages."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0004_reference_data"
down_revision = "0003_sync_reporting"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0004_reference_data.up.sql")


def downgrade() -> None:
    run_sql_file("0004_reference_data.down.sql")
