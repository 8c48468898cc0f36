"""Hand-off: stage requirements for utilities, the final walk and the lock box; dated changes of a
turn's ready and move-in dates; who sent a turn to leasing and when."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0016_handoff"
down_revision = "0015_user_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0016_handoff.up.sql")


def downgrade() -> None:
    run_sql_file("0016_handoff.down.sql")
