"""Turn workflow: approval settings, re-approval, notifications, e-mail outbox, lock-box reveal."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0006_workflow"
down_revision = "0005_auth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0006_workflow.up.sql")


def downgrade() -> None:
    run_sql_file("0006_workflow.down.sql")
