"""Statements SQLAlchemy compiles once, sent on the request's psycopg connection directly.

Every write reads the row it changes and writes it back through two statements, the same for
every request of a table and a role: the by-id read (:func:`turns.kit.records.get_visible`) and
the versioned ``UPDATE ... RETURNING`` (:func:`turns.api.updates.update_row`). Through
SQLAlchemy's async layer each cost the API about 0.3 ms of CPU on top of psycopg's own work
(a greenlet hop for each wait, the execution context, the result's metadata): a fifth of an
update's CPU in the API process (docs/benchmarks.md, "Data access"). Such a statement is
compiled by SQLAlchemy once (:func:`prepare`, kept by the caller's cache), then sent on the
transaction's own psycopg connection (:func:`first`), with SQLAlchemy's conversions of the
values sent and read (its bind and result processors: enums, arrays, JSON) and its errors:
a database error is raised as SQLAlchemy raises it (:class:`sqlalchemy.exc.DBAPIError`, which
the API answers as a problem), and a connection lost invalidates the connection as SQLAlchemy
does. The transaction, the pool and every other statement stay SQLAlchemy's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select, Update
from sqlalchemy.types import TypeEngine

DIALECT: Dialect = PGDialect_psycopg()  # type: ignore[no-untyped-call]  # (SQLAlchemy's dialects are untyped)
"""The API's dialect (psycopg 3), as its engines compile."""

Processor = Callable[[Any], Any]


@dataclass
class Prepared:
    """A statement as psycopg sends it: its SQL, the values of its literal parameters, the
    conversion of each value that needs one, and the types of the columns it returns."""

    sql: str
    defaults: dict[str, Any]
    binds: dict[str, Processor]
    returns: dict[str, TypeEngine[Any]]
    results: dict[str, Processor] | None = None
    """The result columns' conversions, known once a first answer has told the columns' types."""


def prepare(statement: Select[Any] | Update) -> Prepared:
    """``statement`` compiled for psycopg (every parameter a named placeholder)."""
    compiled = statement.compile(dialect=DIALECT)
    binds: dict[str, Processor] = {}
    for key, bind in compiled.binds.items():
        processor = bind.type.dialect_impl(DIALECT).bind_processor(DIALECT)
        if processor is not None:
            binds[key] = processor
    returns = {column.key: column.type for column in statement.exported_columns if column.key}
    return Prepared(compiled.string, dict(compiled.params), binds, returns)


async def first(conn: AsyncConnection, prepared: Prepared, params: Mapping[str, Any]) -> dict[str, Any] | None:
    """The first row ``prepared`` returns with ``params``, in ``conn``'s transaction."""
    values = prepared.defaults | dict(params)
    for key, processor in prepared.binds.items():
        values[key] = processor(values[key])
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    cursor = driver.cursor(row_factory=dict_row)
    try:
        await cursor.execute(prepared.sql, values)
        row: dict[str, Any] | None = await cursor.fetchone()
    except psycopg.Error as error:
        lost = driver.closed or driver.broken
        if lost:
            await conn.invalidate(error)
        raise DBAPIError.instance(
            prepared.sql, values, error, psycopg.Error, connection_invalidated=lost, dialect=DIALECT
        ) from error
    if row is None:
        return None
    if prepared.results is None:
        prepared.results = _conversions(prepared.returns, cursor)
    for key, processor in prepared.results.items():
        row[key] = processor(row[key])
    return row


def _conversions(returns: dict[str, TypeEngine[Any]], cursor: psycopg.AsyncCursor[Any]) -> dict[str, Processor]:
    """The result columns' conversions, as SQLAlchemy makes them for the column types read."""
    found: dict[str, Processor] = {}
    for column in cursor.description or ():
        kind = returns.get(column.name)
        processor = kind.dialect_impl(DIALECT).result_processor(DIALECT, column.type_code) if kind else None
        if processor is not None:
            found[column.name] = processor
    return found
