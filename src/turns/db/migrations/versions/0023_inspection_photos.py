"""Inspection photos are read and added only by those who read inspections (no vendor user)."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0023_inspection_photos"
down_revision = "0022_schedules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0023_inspection_photos.up.sql")


def downgrade() -> None:
    run_sql_file("0023_inspection_photos.down.sql")
