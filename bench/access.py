"""What the data-access layer costs a write: one turn update's transaction as the API runs it (its
opening, the by-id read of the current row, the versioned update, the commit) through SQLAlchemy's
async layer, against the very same statements sent on psycopg's async connection directly, one
transaction after another on one connection. Measured: this process's CPU per transaction."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import dict_row
from sqlalchemy import event

from turns.access.columns import readable_columns
from turns.api.updates import update_row
from turns.db.context import SET_CONTEXT_SQL, Actor
from turns.db.engines import create_engine
from turns.db.tables import turns
from turns.db.urls import DatabaseUrls
from turns.kit.flight import connected, opening
from turns.kit.records import get_visible

ROLE = "PROPERTY_MANAGER"
Statement = tuple[str, dict[str, Any]]


class _Updates:
    """Work order numbers for turn ``turn``'s updates, a new one each time."""

    def __init__(self, turn: UUID) -> None:
        self.turn, self.count = turn, 0

    def wo_number(self) -> str:
        self.count += 1
        return f"WO-L{self.count}"


async def _through_sqlalchemy(urls: DatabaseUrls, actor: Actor, updates: _Updates, times: int) -> list[Statement]:
    """``times`` transactions through the API's own functions; the statements the last one sent."""
    engine = create_engine(urls.app, application_name="bench-access", pool_size=1)
    columns = sorted(readable_columns(turns.name, ROLE))
    sent: list[Statement] = []

    def record(conn: object, cursor: object, statement: str, parameters: Any, context: object, many: bool) -> None:
        sent.append((statement, dict(parameters)))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        for _ in range(times):
            sent.clear()
            async with connected(engine) as conn, conn.begin():
                await opening(conn, (SET_CONTEXT_SQL, actor.params()))
                current = await get_visible(conn, turns, updates.turn, columns)
                assert current is not None, "the turn is not visible to its manager"
                changes = {"wo_number": updates.wo_number()}
                await update_row(
                    conn, turns, updates.turn, current["version"], changes, columns, role=ROLE, what="turn"
                )
    finally:
        await engine.dispose()
    return sent


async def _through_psycopg(
    urls: DatabaseUrls, actor: Actor, updates: _Updates, statements: list[Statement], times: int
) -> None:
    """``times`` transactions of ``statements`` (the by-id read, then the update), opened as
    :func:`turns.kit.flight.opening` opens them."""
    (read, read_params), (write, write_params) = statements
    async with await psycopg.AsyncConnection.connect(urls.app, autocommit=True, prepare_threshold=None) as conn:
        for _ in range(times):
            async with conn.pipeline():
                await conn.execute("BEGIN")
                await conn.execute(SET_CONTEXT_SQL, actor.params())
            cursor = conn.cursor(row_factory=dict_row)
            await cursor.execute(read, read_params)
            current = await cursor.fetchone()
            assert current is not None, "the turn is not visible to its manager"
            changes = {"new_wo_number": updates.wo_number(), "read_version": current["version"]}
            await cursor.execute(write, write_params | changes)
            assert await cursor.fetchone() is not None, "the update matched no row"
            await conn.execute("COMMIT")


def _cpu_per_call(run: Callable[[], Coroutine[Any, Any, Any]], times: int) -> float:
    """Microseconds of this process's CPU per transaction of ``run`` (``times`` of them)."""
    began = time.process_time()
    asyncio.run(run())
    return round((time.process_time() - began) / times * 1e6)


def run(urls: DatabaseUrls, user_id: str, turn: str, *, smoke: bool) -> dict[str, Any]:
    """Both ways, ``turn`` updated by its manager ``user_id``, one after the other."""
    times = 50 if smoke else 1500
    actor = Actor(user_id=UUID(user_id), context="bench")
    updates = _Updates(UUID(turn))
    statements = asyncio.run(_through_sqlalchemy(urls, actor, updates, 20))  # warm: the statements cached
    statements = [s for s in statements if s[0].lstrip().upper().startswith(("SELECT", "UPDATE"))]
    assert len(statements) == 2, statements
    found: dict[str, Any] = {"transactions": times}
    for name, run_one in (
        ("sqlalchemy_us", lambda: _through_sqlalchemy(urls, actor, updates, times)),
        ("psycopg_us", lambda: _through_psycopg(urls, actor, updates, statements, times)),
    ):
        found[name] = _cpu_per_call(run_one, times)
    found["layer_us"] = found["sqlalchemy_us"] - found["psycopg_us"]
    return found
