"""Core schema: types, tables, indexes, row metadata triggers."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0001_schema"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0001_schema.up.sql")


def downgrade() -> None:
    run_sql_file("0001_schema.down.sql")
