"""Databases with a replica router, driven the way the API drives them."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from uuid import UUID

from sqlalchemy import text

from turns.auth.transaction import open_transaction
from turns.db.context import Actor
from turns.db.engines import Database, ReplicaOptions
from turns.db.urls import DatabaseUrls
from turns.replicas import metrics

FAST = ReplicaOptions(pool_size=4, max_lag_seconds=1.0, wait_seconds=0.05, check_seconds=0.05)


@asynccontextmanager
async def routed(urls: DatabaseUrls, options: ReplicaOptions = FAST) -> AsyncIterator[Database]:
    """A database with its lag monitor running, once the replica has been found healthy."""
    database = Database.connect(urls, pool_size=4, replica=options)
    stop = asyncio.Event()
    monitor = asyncio.create_task(database.monitor_replica(stop))
    try:
        await wait_for(lambda: database.reader is not database.primary, "the replica never became healthy")
        yield database
    finally:
        stop.set()
        await monitor
        await database.dispose()


async def wait_for(condition: Callable[[], bool], message: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        await asyncio.sleep(0.02)


def actor(user_id: UUID) -> Actor:
    return Actor(user_id=user_id, context="api", session_id=uuid.uuid4())


async def rename(database: Database, who: Actor, property_id: UUID, name: str) -> None:
    async with open_transaction(database, who) as conn:
        result = await conn.execute(
            text("UPDATE properties SET name = :name WHERE id = :id"), {"name": name, "id": property_id}
        )
        assert result.rowcount == 1


async def read_name(database: Database, who: Actor, property_id: UUID) -> tuple[str, bool]:
    """The property's name as ``who`` reads it, and whether the replica served the read."""
    async with open_transaction(database, who, read_only=True) as conn:
        name = await conn.scalar(text("SELECT name FROM properties WHERE id = :id"), {"id": property_id})
        standby = await conn.scalar(text("SELECT pg_is_in_recovery()"))
    return str(name), bool(standby)


def route_count(target: str, reason: str) -> float:
    return metrics.routes().get((target, reason), 0.0)
