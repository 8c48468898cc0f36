"""Statements compiled by SQLAlchemy and sent on psycopg's connection answer as SQLAlchemy would:
the same values of the same types, the same conversions of the values sent, the same errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar
from uuid import uuid4

import psycopg
import pytest
from sqlalchemy import Table, bindparam, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.db.context import SET_CONTEXT_SQL, system_actor
from turns.db.engines import create_engine
from turns.db.tables import email_outbox, metadata, turns, users, vendors
from turns.db.urls import DatabaseUrls
from turns.kit.compiled import first, prepare
from turns.kit.flight import connected, opening
from turns.seed.demo import Credential

T = TypeVar("T")


def _in_transaction(db: DatabaseUrls, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """``work`` in one transaction of the system user on a pooled connection, then rolled back."""

    async def run() -> T:
        engine = create_engine(db.owner, application_name="turns-test", pool_size=1)
        try:
            async with connected(engine) as conn, conn.begin() as transaction:
                await opening(conn, (SET_CONTEXT_SQL, system_actor("test").params()))
                try:
                    return await work(conn)
                finally:
                    await transaction.rollback()
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _by_id(table: Table) -> Any:
    return select(*table.c).where(table.c.id == bindparam("record_id"))


def test_every_table_reads_the_same_row_of_the_same_types_as_through_sqlalchemy(
    db: DatabaseUrls, demo: dict[str, Credential]
) -> None:
    async def compare(conn: AsyncConnection) -> list[str]:
        compared = []
        for table in metadata.sorted_tables:
            if "id" not in table.c:
                continue
            some = (await conn.execute(select(table.c.id).limit(1))).scalar()
            if some is None:
                continue
            expected = (await conn.execute(_by_id(table), {"record_id": some})).mappings().one()
            read = await first(conn, prepare(_by_id(table)), {"record_id": some})
            assert read == dict(expected), table.name
            assert {k: type(v) for k, v in read.items()} == {k: type(v) for k, v in expected.items()}, table.name
            compared.append(table.name)
        return compared

    compared = _in_transaction(db, compare)
    # The demo fills the tables of every kind of column: enums, arrays, JSON, money, dates.
    assert {"turns", "vendors", "properties", "utility_providers", "audit_logs", "scope_lines"} <= set(compared)


def test_values_are_sent_converted_as_sqlalchemy_converts_them(db: DatabaseUrls) -> None:
    """Each kind of column's value, sent as a parameter of its column's type and read back."""
    values = {
        "context": {"turn": "T-1", "amount": 12.5, "lines": [1, 2]},  # JSONB: psycopg needs it wrapped
        "trades": ["PAINT", "HVAC"],
        "role": "PROPERTY_MANAGER",
        "amount": Decimal("1250.50"),
        "id": uuid4(),
        "move_out_date": date(2026, 11, 30),
    }
    types = {
        "context": email_outbox.c.context.type,
        "trades": vendors.c.trades.type,
        "role": users.c.role.type,
        "amount": turns.c.turn_amount.type,
        "id": turns.c.id.type,
        "move_out_date": turns.c.move_out_date.type,
    }
    echo = select(*(bindparam(name, type_=kind).label(name) for name, kind in types.items()))

    async def both(conn: AsyncConnection) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        expected = (await conn.execute(echo, values)).mappings().one()
        return await first(conn, prepare(echo), values), dict(expected)

    read, expected = _in_transaction(db, both)
    assert read == expected == values


def test_a_database_error_is_raised_as_sqlalchemy_raises_it(db: DatabaseUrls, demo: dict[str, Credential]) -> None:
    too_long = prepare(
        update(vendors)
        .where(vendors.c.id == bindparam("record_id"))
        .values(phone=bindparam("phone", type_=vendors.c.phone.type))
        .returning(vendors.c.phone)
    )

    async def refused(conn: AsyncConnection) -> DBAPIError:
        vendor = (await conn.execute(select(vendors.c.id).limit(1))).scalar()
        with pytest.raises(DBAPIError) as raised:
            await first(conn, too_long, {"record_id": vendor, "phone": "5" * 40})
        return raised.value

    error = _in_transaction(db, refused)
    assert isinstance(error.orig, psycopg.errors.StringDataRightTruncation)
    assert not error.connection_invalidated


def test_a_connection_lost_midway_is_invalidated_and_the_pool_lends_a_new_one(
    db: DatabaseUrls, demo: dict[str, Credential]
) -> None:
    async def lost() -> tuple[DBAPIError, int, int]:
        engine = create_engine(db.owner, application_name="turns-test", pool_size=1)
        try:
            with pytest.raises(DBAPIError) as raised:
                async with connected(engine) as conn, conn.begin():
                    opened = await opening(conn, ("SELECT pg_backend_pid() AS pid", None))
                    assert opened is not None
                    first_pid = int(opened["pid"])
                    with psycopg.connect(db.superuser or "", autocommit=True) as admin:
                        admin.execute("SELECT pg_terminate_backend(%s, 5000)", (first_pid,))
                    await first(conn, prepare(_by_id(vendors)), {"record_id": None})
            async with engine.connect() as conn:
                second_pid = int(await conn.scalar(text("SELECT pg_backend_pid()")) or 0)
            return raised.value, first_pid, second_pid
        finally:
            await engine.dispose()

    error, before, after = asyncio.run(lost())
    assert error.connection_invalidated and isinstance(error.orig, psycopg.OperationalError)
    assert after != before and after > 0
