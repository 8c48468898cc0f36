"""A user reference (a property's managers, a turn's superintendent and approvers) names only
a user of a role allowed for it, enforced by triggers; one manager rule for RLS and search."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0011_user_reference_roles"
down_revision = "0010_search_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0011_user_reference_roles.up.sql")


def downgrade() -> None:
    run_sql_file("0011_user_reference_roles.down.sql")
