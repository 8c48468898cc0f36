"""What the data-access layer costs a write: one turn update's transaction (its opening, the by-id
read of the current row, the versioned update, the commit) three ways, one transaction after
another on one connection: as the API runs it (SQLAlchemy's transaction, the read and the update
compiled once and sent on psycopg's connection, :mod:`turns.kit.compiled`); every statement through
SQLAlchemy's async layer (how the API sent them before); and the very same statements on psycopg's
async connection alone. Measured: this process's CPU per transaction."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import dict_row
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.columns import readable_columns
from turns.api.updates import update_row, versioned_update
from turns.db.context import SET_CONTEXT_SQL, Actor
from turns.db.engines import create_engine
from turns.db.tables import turns
from turns.db.urls import DatabaseUrls
from turns.kit.compiled import prepare
from turns.kit.flight import connected, opening
from turns.kit.records import get_visible

ROLE = "PROPERTY_MANAGER"


class _Updates:
    """Work order numbers for turn ``turn``'s updates, a new one each time."""

    def __init__(self, turn: UUID) -> None:
        self.turn, self.count = turn, 0

    def wo_number(self) -> str:
        self.count += 1
        return f"WO-L{self.count}"


COLUMNS = tuple(sorted(readable_columns(turns.name, ROLE)))
READ = select(*(turns.c[name] for name in COLUMNS)).where(turns.c.id == bindparam("record_id"))
"""The by-id read :func:`turns.kit.records.get_visible` sends."""
WRITE = versioned_update(turns, ("wo_number",), COLUMNS)
"""The versioned update :func:`turns.api.updates.update_row` sends."""


async def _on_sqlalchemy(
    urls: DatabaseUrls, actor: Actor, times: int, work: Callable[[AsyncConnection], Awaitable[None]]
) -> None:
    """``times`` transactions of SQLAlchemy's, opened as the API opens them, each doing ``work``."""
    engine = create_engine(urls.app, application_name="bench-access", pool_size=1)
    try:
        for _ in range(times):
            async with connected(engine) as conn, conn.begin():
                await opening(conn, (SET_CONTEXT_SQL, actor.params()))
                await work(conn)
    finally:
        await engine.dispose()


async def _as_the_api(urls: DatabaseUrls, actor: Actor, updates: _Updates, times: int) -> None:
    """``times`` transactions through the API's own functions."""

    async def update(conn: AsyncConnection) -> None:
        current = await get_visible(conn, turns, updates.turn, COLUMNS)
        assert current is not None, "the turn is not visible to its manager"
        changes = {"wo_number": updates.wo_number()}
        await update_row(conn, turns, updates.turn, current["version"], changes, COLUMNS, role=ROLE, what="turn")

    await _on_sqlalchemy(urls, actor, times, update)


async def _through_sqlalchemy(urls: DatabaseUrls, actor: Actor, updates: _Updates, times: int) -> None:
    """``times`` transactions whose read and update go through SQLAlchemy's async layer."""

    async def update(conn: AsyncConnection) -> None:
        current = (await conn.execute(READ, {"record_id": updates.turn})).mappings().first()
        assert current is not None, "the turn is not visible to its manager"
        changes = {"new_wo_number": updates.wo_number(), "read_version": current["version"]}
        written = await conn.execute(WRITE, changes | {"record_id": updates.turn})
        assert written.mappings().first() is not None, "the update matched no row"

    await _on_sqlalchemy(urls, actor, times, update)


async def _through_psycopg(urls: DatabaseUrls, actor: Actor, updates: _Updates, times: int) -> None:
    """``times`` transactions of the same statements on psycopg's connection alone, opened as
    :func:`turns.kit.flight.opening` opens them."""
    read, write = prepare(READ).sql, prepare(WRITE).sql
    async with await psycopg.AsyncConnection.connect(urls.app, autocommit=True, prepare_threshold=None) as conn:
        for _ in range(times):
            async with conn.pipeline():
                await conn.execute("BEGIN")
                await conn.execute(SET_CONTEXT_SQL, actor.params())
            cursor = conn.cursor(row_factory=dict_row)
            await cursor.execute(read, {"record_id": updates.turn})
            current = await cursor.fetchone()
            assert current is not None, "the turn is not visible to its manager"
            changes = {"new_wo_number": updates.wo_number(), "read_version": current["version"]}
            await cursor.execute(write, changes | {"record_id": updates.turn})
            assert await cursor.fetchone() is not None, "the update matched no row"
            await conn.execute("COMMIT")


def _cpu_per_call(run: Callable[[], Coroutine[Any, Any, Any]], times: int) -> float:
    """Microseconds of this process's CPU per transaction of ``run`` (``times`` of them)."""
    began = time.process_time()
    asyncio.run(run())
    return round((time.process_time() - began) / times * 1e6)


def run(urls: DatabaseUrls, user_id: str, turn: str, *, smoke: bool) -> dict[str, Any]:
    """The three ways, ``turn`` updated by its manager ``user_id``, one after the other."""
    times = 50 if smoke else 1500
    actor = Actor(user_id=UUID(user_id), context="bench")
    updates = _Updates(UUID(turn))
    ways = {"api_us": _as_the_api, "sqlalchemy_us": _through_sqlalchemy, "psycopg_us": _through_psycopg}
    for way in ways.values():  # warm: the statements compiled and cached
        asyncio.run(way(urls, actor, updates, 20))
    found: dict[str, Any] = {"transactions": times}
    for name, way in ways.items():
        found[name] = _cpu_per_call(partial(way, urls, actor, updates, times), times)
    found["layer_us"] = found["sqlalchemy_us"] - found["psycopg_us"]
    found["saved_us"] = found["sqlalchemy_us"] - found["api_us"]
    return found
