"""A transaction whose ``BEGIN`` goes with its first statements: one round trip.

In its default mode psycopg opens a transaction by sending ``BEGIN`` and waiting for the
answer before the first statement, even in pipeline mode. The statements that open every
request's transaction (the session behind the token, the acting user's settings) depend on
nothing the database answers in between, so :func:`connected` leaves psycopg in autocommit mode
(it then sends no ``BEGIN`` of its own) and :func:`opening` sends ``BEGIN`` itself, pipelined
with those statements. From then on the server is in the transaction: psycopg's commit and
rollback act on the transaction the server reports, whatever the mode, so committing or rolling
back the SQLAlchemy transaction ends it as usual, and the pool puts the connection back in its
default mode when it is returned.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

Statement = tuple[str, Mapping[str, Any] | None]
"""A statement in psycopg's placeholder style, and its parameters."""

READ_ONLY: Statement = ("SET TRANSACTION READ ONLY", None)


@asynccontextmanager
async def connected(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection whose transactions begin on the server with :func:`opening`: the first
    database work of each ``conn.begin()`` block must be :func:`opening`."""
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


async def opening(conn: AsyncConnection, *statements: Statement) -> dict[str, Any] | None:
    """``BEGIN`` and then ``statements`` on a connection from :func:`connected`, in one round trip;
    the last statement's first row, if it returns rows."""
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None and driver.autocommit, "opening() needs a connection from connected()"
    assert driver.pgconn.transaction_status == TransactionStatus.IDLE, "the transaction has already begun"
    cursors = []
    async with driver.pipeline():
        await driver.execute("BEGIN")
        for sql, params in statements:
            cursor = driver.cursor(row_factory=dict_row)
            await cursor.execute(sql, params)
            cursors.append(cursor)
    last = cursors[-1]
    return await last.fetchone() if last.description is not None else None


@asynccontextmanager
async def read_only(engine: AsyncEngine, *statements: Statement) -> AsyncIterator[AsyncConnection]:
    """A read-only transaction whose first statements are ``statements``, sent with its ``BEGIN``."""
    async with connected(engine) as conn, conn.begin():
        await opening(conn, READ_ONLY, *statements)
        yield conn
