"""``search_candidates`` sets its similarity threshold itself: a search is one statement."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0032_search_threshold"
down_revision = "0031_search_pending_lists"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0032_search_threshold.up.sql")


def downgrade() -> None:
    run_sql_file("0032_search_threshold.down.sql")
