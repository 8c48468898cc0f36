"""Imports from CSV files: the function that writes an import's own audit row."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0013_imports"
down_revision = "0012_unchanged_writes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0013_imports.up.sql")


def downgrade() -> None:
    run_sql_file("0013_imports.down.sql")
