"""Amounts in notification texts as money (``$12,500.00``): the workflow trigger again, with
its amounts formatted by a new ``money_text()``."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0011_money_texts"
down_revision = "0010_search_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0011_money_texts.up.sql")


def downgrade() -> None:
    run_sql_file("0011_money_texts.down.sql")
