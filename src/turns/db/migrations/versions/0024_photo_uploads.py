"""A photo upload named by its ``Idempotency-Key``: a retry of it is answered with the photo it
added, never a second photo."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0024_photo_uploads"
down_revision = "0023_inspection_photos"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0024_photo_uploads.up.sql")


def downgrade() -> None:
    run_sql_file("0024_photo_uploads.down.sql")
