"""The Core table descriptions match what the migrations create."""

import psycopg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from turns.db.engines import sqlalchemy_url
from turns.db.tables import metadata
from turns.db.urls import DatabaseUrls


def test_tables_match_migrations(db: DatabaseUrls) -> None:
    engine = create_engine(sqlalchemy_url(db.owner))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    # Indexes, constraints and defaults live in the SQL migrations only.
                    "include_object": lambda obj, name, kind, reflected, compare_to: kind in ("table", "column"),
                },
            )
            diff = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    described = set(metadata.tables)
    # Tables the application never queries through Core are left out on purpose.
    extra_tables = [d for d in diff if d[0] == "remove_table" and d[1].name not in described]
    assert [d for d in diff if d not in extra_tables] == []
    with psycopg.connect(db.owner) as conn:
        names = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert described <= names
