"""Run one of the migration SQL files in ``sql/`` on Alembic's connection."""

from importlib import resources

from alembic import op


def run_sql_file(name: str) -> None:
    text = resources.files("turns.db.migrations").joinpath("sql", name).read_text()
    # The raw psycopg connection: no parameters, so `%` in the SQL is not a placeholder.
    op.get_bind().connection.driver_connection.execute(text)  # type: ignore[union-attr]
