"""Scope lines: a turn's scope as line items (trade, quantity, unit cost, vendor, charge-back),
whose sum is the turn amount and whose approved amounts are kept for the change-order view."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0018_scope_lines"
down_revision = "0017_vendor_trades_thresholds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0018_scope_lines.up.sql")


def downgrade() -> None:
    run_sql_file("0018_scope_lines.down.sql")
