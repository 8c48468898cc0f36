"""A session can be looked up without touching it, so a request resolves its session inside its
own transaction and touches it apart, as before."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0028_session_lookup"
down_revision = "0027_search_best_matches"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0028_session_lookup.up.sql")


def downgrade() -> None:
    run_sql_file("0028_session_lookup.down.sql")
