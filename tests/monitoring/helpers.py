from __future__ import annotations

import psycopg

from turns.db.urls import DatabaseUrls


def drop_statements_extension(db: DatabaseUrls) -> None:
    """The test database without pg_stat_statements (the server still preloads it)."""
    assert db.superuser is not None
    with psycopg.connect(db.superuser, autocommit=True) as conn:
        conn.execute("DROP EXTENSION pg_stat_statements")
