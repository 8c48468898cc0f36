"""Search ranks each column's best matches, in one pass, instead of every row that passes the
similarity threshold, in up to three passes."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0027_search_best_matches"
down_revision = "0026_report_snapshots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0027_search_best_matches.up.sql")


def downgrade() -> None:
    run_sql_file("0027_search_best_matches.down.sql")
