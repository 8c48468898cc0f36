"""Vendor trades and markets; a DFO approval threshold below which a submitted scope is
approved without an approver."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0017_vendor_trades_thresholds"
down_revision = "0016_handoff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0017_vendor_trades_thresholds.up.sql")


def downgrade() -> None:
    run_sql_file("0017_vendor_trades_thresholds.down.sql")
