"""An update that changes nothing keeps the row's version: no new version, no audit row."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0012_unchanged_writes"
down_revision = "0011_user_reference_roles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0012_unchanged_writes.up.sql")


def downgrade() -> None:
    run_sql_file("0012_unchanged_writes.down.sql")
