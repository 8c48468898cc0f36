"""Search: trigram indexes over property, turn and vendor names, ids and addresses."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0007_search"
down_revision = "0006_workflow"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0007_search.up.sql")


def downgrade() -> None:
    run_sql_file("0007_search.down.sql")
