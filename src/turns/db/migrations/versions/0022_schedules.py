"""Vendor visits: the date window each vendor works on a turn, agreed between the vendor and
the turn's managers, with a notice to the other side at every change."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0022_schedules"
down_revision = "0021_bids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0022_schedules.up.sql")


def downgrade() -> None:
    run_sql_file("0022_schedules.down.sql")
