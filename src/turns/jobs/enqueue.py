"""Enqueue jobs inside the caller's transaction.

Procrastinate can write the job row on a connection it is handed, so the job is inserted
by the same transaction as the change that causes it: it becomes visible to workers when
that transaction commits and disappears if it rolls back. There is no window in which a
job exists for a change that never happened, and no job lost between commit and enqueue.
The request's connection may come from a transaction-mode pooler: nothing here outlives
the transaction (the search path is set with ``set_config(..., true)``, prepared
statements are off on that engine).
"""

from __future__ import annotations

from functools import cache

import procrastinate
from psycopg import AsyncConnection as PsycopgConnection
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.jobs.queue import JOBS_SCHEMA, build

_SEARCH_PATH = text("SELECT set_config('search_path', current_setting('search_path') || ', ' || :schema, true)")


@cache
def _deferrer() -> procrastinate.App:
    """An app that is never opened: deferring on a given connection needs no pool."""
    return build(procrastinate.PsycopgConnector())


async def enqueue(conn: AsyncConnection, task: str, **args: str | int | None) -> int:
    """Enqueue ``task`` with ``args`` (ids, not business data) in ``conn``'s transaction;
    returns the job id."""
    await conn.execute(_SEARCH_PATH, {"schema": JOBS_SCHEMA})
    raw = (await conn.get_raw_connection()).driver_connection
    assert isinstance(raw, PsycopgConnection)
    return await _deferrer().configure_task(task, allow_unknown=False, connection=raw).defer_async(**args)
