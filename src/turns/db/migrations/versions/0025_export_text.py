"""Functions that write export cells in SQL, so a CSV export is PostgreSQL's own ``COPY``: a
text cell as the file shows it (formula-neutralised, empty as no value) and JSON exactly as
the application writes it (keys sorted, ASCII only, numbers as read back)."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0025_export_text"
down_revision = "0024_photo_uploads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0025_export_text.up.sql")


def downgrade() -> None:
    run_sql_file("0025_export_text.down.sql")
