"""The auth path: definer functions over sessions and password hashes, login throttling."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0005_auth"
down_revision = "0004_reference_data"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0005_auth.up.sql")


def downgrade() -> None:
    run_sql_file("0005_auth.down.sql")
