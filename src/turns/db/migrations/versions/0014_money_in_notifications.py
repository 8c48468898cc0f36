"""Amounts in notification texts as money: the workflow trigger formats them with format_money()."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0014_money_in_notifications"
down_revision = "0013_imports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0014_money_in_notifications.up.sql")


def downgrade() -> None:
    run_sql_file("0014_money_in_notifications.down.sql")
