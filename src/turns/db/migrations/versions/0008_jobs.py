"""Background jobs: procrastinate's queue (schema ``jobs``), export jobs, the EXPORT audit function."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0008_jobs"
down_revision = "0007_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0008_jobs.up.sql")


def downgrade() -> None:
    run_sql_file("0008_jobs.down.sql")
