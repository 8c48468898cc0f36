"""Move-out inspections: templates of areas and items, an inspection of a turn, and the
condition of each item, from which finishing proposes scope lines."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0020_inspections"
down_revision = "0019_photos"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0020_inspections.up.sql")


def downgrade() -> None:
    run_sql_file("0020_inspections.down.sql")
