"""The admin-wide reports as the reporting job last computed them, and an index for the
days-vacant report's look-up of a property's later move-outs."""

from turns.db.migrations.sqlfile import run_sql_file

revision = "0026_report_snapshots"
down_revision = "0025_export_text"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0026_report_snapshots.up.sql")


def downgrade() -> None:
    run_sql_file("0026_report_snapshots.down.sql")
