"""The row-level security helpers may run in parallel workers, so large reads under RLS (a
shape's snapshot, an export, a report) can use a parallel plan."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0030_parallel_policies"
down_revision = "0029_sync_wake"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0030_parallel_policies.up.sql")


def downgrade() -> None:
    run_sql_file("0030_parallel_policies.down.sql")
