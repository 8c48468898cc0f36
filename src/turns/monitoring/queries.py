"""The monitoring queries, run on a connection of whichever role the caller has.

The seed's versions fail as written (errata 3-5): ``pg_stat_statements`` needs the
extension *and* the library preloaded, ``pg_stat_user_indexes`` names its columns
``relname``/``indexrelname``, and ``pg_stat_statements`` has no client address. Figures
of other roles' sessions and statements are only visible with ``pg_read_all_stats``
(a superuser, or a member of ``pg_monitor``); without it, reports say so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal, TypeVar

import psycopg.errors as pg
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.db.engines import create_engine
from turns.monitoring.schemas import (
    ConnectionGroup,
    IndexSize,
    Report,
    Sizes,
    SlowQuery,
    TableSize,
    UnusedIndex,
    UnusedIndexes,
)
from turns.replicas.router import READ_ONLY

T = TypeVar("T")

SlowOrder = Literal["total", "mean"]

_READS_ALL_STATS = text("SELECT current_user, pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')")
_STATEMENTS_SCHEMA = text(
    "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
    " WHERE e.extname = 'pg_stat_statements'"
)
_SLOW = """
SELECT s.query, r.rolname AS role, s.calls, s.total_exec_time AS total_ms, s.mean_exec_time AS mean_ms, s.rows
FROM {schema}.pg_stat_statements s
LEFT JOIN pg_roles r ON r.oid = s.userid
WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY {order} DESC
LIMIT :limit
"""
_TABLE_SIZES = text("""
SELECT c.oid::regclass::text AS table, pg_total_relation_size(c.oid) AS total_bytes,
       pg_table_size(c.oid) AS table_bytes, pg_indexes_size(c.oid) AS index_bytes,
       greatest(c.reltuples, 0)::bigint AS estimated_rows
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY total_bytes DESC, 1
LIMIT :limit
""")
_INDEX_SIZES = text("""
SELECT s.indexrelid::regclass::text AS index, s.relid::regclass::text AS table,
       pg_relation_size(s.indexrelid) AS bytes, s.idx_scan AS scans
FROM pg_stat_user_indexes s
ORDER BY bytes DESC, 1
LIMIT :limit
""")
_UNUSED = text("""
SELECT s.indexrelid::regclass::text AS index, s.relid::regclass::text AS table,
       pg_relation_size(s.indexrelid) AS bytes, pg_get_indexdef(s.indexrelid) AS definition
FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = s.indexrelid)
ORDER BY bytes DESC, 1
""")
_STATS_SINCE = text("SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()")
_CONNECTIONS = text("""
SELECT coalesce(nullif(application_name, ''), '(none)') AS application,
       coalesce(state, '(hidden)') AS state, count(*) AS count,
       extract(epoch FROM max(now() - xact_start))::float8 AS oldest_transaction_seconds
FROM pg_stat_activity
WHERE datname = current_database() AND coalesce(backend_type, 'client backend') = 'client backend'
GROUP BY 1, 2
ORDER BY count DESC, 1, 2
""")


async def hidden_stats(conn: AsyncConnection, what: str) -> str | None:
    """Why ``what`` of other roles is hidden from this connection, or None when it is not."""
    role, reads_all = (await conn.execute(_READS_ALL_STATS)).one()
    if reads_all:
        return None
    return f"{what} of roles other than {role} are hidden: grant pg_monitor (or pg_read_all_stats) to {role}"


async def slow_queries(conn: AsyncConnection, *, limit: int = 10, order: SlowOrder = "total") -> Report[SlowQuery]:
    """The ``limit`` statements of this database with the most total (or mean) execution time."""
    schema = await conn.scalar(_STATEMENTS_SCHEMA)
    if schema is None:
        return Report(
            rows=[],
            message="pg_stat_statements is not installed in this database: a superuser must run"
            " CREATE EXTENSION pg_stat_statements (and the server must preload it)",
        )
    quoted = conn.dialect.identifier_preparer.quote(str(schema))
    statement = text(_SLOW.format(schema=quoted, order=f"{order}_exec_time"))
    try:
        async with conn.begin_nested():
            rows = (await conn.execute(statement, {"limit": limit})).mappings().all()
    except DBAPIError as exc:
        if not isinstance(exc.orig, pg.ObjectNotInPrerequisiteState):
            raise
        return Report(
            rows=[],
            message="pg_stat_statements is installed but not loaded: add it to shared_preload_libraries"
            " and restart the server",
        )
    return Report(rows=[SlowQuery(**r) for r in rows], message=await hidden_stats(conn, "statements"))


async def sizes(conn: AsyncConnection, *, limit: int = 20) -> Sizes:
    """The database's size, and its ``limit`` largest tables and indexes."""
    database = await conn.scalar(text("SELECT pg_database_size(current_database())"))
    tables = (await conn.execute(_TABLE_SIZES, {"limit": limit})).mappings().all()
    indexes = (await conn.execute(_INDEX_SIZES, {"limit": limit})).mappings().all()
    return Sizes(
        database_bytes=int(database or 0),
        tables=[TableSize(**r) for r in tables],
        indexes=[IndexSize(**r) for r in indexes],
    )


async def unused_indexes(conn: AsyncConnection) -> UnusedIndexes:
    """Indexes never scanned since the statistics were reset, largest first; indexes that
    enforce a constraint (primary key, unique, exclusion) are left out."""
    rows = (await conn.execute(_UNUSED)).mappings().all()
    return UnusedIndexes(
        rows=[UnusedIndex(**r) for r in rows],
        stats_since=await conn.scalar(_STATS_SINCE),
    )


async def connections(conn: AsyncConnection) -> Report[ConnectionGroup]:
    """Client connections to this database by application name and state."""
    rows = (await conn.execute(_CONNECTIONS)).mappings().all()
    return Report(rows=[ConnectionGroup(**r) for r in rows], message=await hidden_stats(conn, "connections"))


async def run_on(url: str, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """``work`` in one read-only transaction on its own connection to ``url`` (the CLI's way in)."""
    engine = create_engine(url, application_name="turns-monitor", pool_size=1)
    try:
        async with engine.connect() as conn, conn.begin():
            await conn.execute(READ_ONLY)
            return await work(conn)
    finally:
        await engine.dispose()
