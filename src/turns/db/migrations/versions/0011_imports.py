"""Imports from CSV files: the function that writes an import's own audit row."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0011_imports"
down_revision = "0010_search_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0011_imports.up.sql")


def downgrade() -> None:
    run_sql_file("0011_imports.down.sql")
