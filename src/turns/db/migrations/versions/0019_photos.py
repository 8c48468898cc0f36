"""Photos of a turn: the rows that decide who sees an image in the photo store, and the
queue of files whose photo is gone."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0019_photos"
down_revision = "0018_scope_lines"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0019_photos.up.sql")


def downgrade() -> None:
    run_sql_file("0019_photos.down.sql")
