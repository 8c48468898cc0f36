"""Vendors hear how their bids end: chosen, not chosen, or the request withdrawn."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0033_bid_outcomes"
down_revision = "0032_search_threshold"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0033_bid_outcomes.up.sql")


def downgrade() -> None:
    run_sql_file("0033_bid_outcomes.down.sql")
