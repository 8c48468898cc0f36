"""Search reads the best matches of each column from a GiST trigram index, nearest first,
instead of ranking every row that passes the similarity threshold."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0026_search_nearest"
down_revision = "0025_report_snapshots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0026_search_nearest.up.sql")


def downgrade() -> None:
    run_sql_file("0026_search_nearest.down.sql")
