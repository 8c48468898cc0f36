"""Bids: a manager asks vendors to quote a set of a turn's scope lines by a due date, each
invited vendor prices them or declines, and the award sets vendor and cost on the lines."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0021_bids"
down_revision = "0020_inspections"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0021_bids.up.sql")


def downgrade() -> None:
    run_sql_file("0021_bids.down.sql")
