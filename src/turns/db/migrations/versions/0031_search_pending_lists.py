"""The search's trigram indexes take new entries at once, so a search never reads a backlog of
pending ones."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0031_search_pending_lists"
down_revision = "0030_parallel_policies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0031_search_pending_lists.up.sql")


def downgrade() -> None:
    run_sql_file("0031_search_pending_lists.down.sql")
