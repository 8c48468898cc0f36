"""Access: definer helpers, audit and stage-history triggers, grants, RLS policies."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0002_security"
down_revision = "0001_schema"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0002_security.up.sql")


def downgrade() -> None:
    run_sql_file("0002_security.down.sql")
