"""One-time links for users: an invitation to set a first password, or a password reset."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0015_user_tokens"
down_revision = "0014_money_in_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0015_user_tokens.up.sql")


def downgrade() -> None:
    run_sql_file("0015_user_tokens.down.sql")
