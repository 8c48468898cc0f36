"""The procrastinate application: every task Turns runs in the background, in one registry.

Each domain declares its tasks in its own ``tasks.py`` as :class:`Task` values (the task's
name, its coroutine, and its schedule if periodic); :func:`build` imports the modules named in
:data:`TASK_MODULES` when it runs, so this package depends on no domain, and binds their
tasks to a fresh :class:`procrastinate.App` each time: the worker (which owns a connection
pool) and the request path (which only enqueues, on the request's own connection) never share
mutable state.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import procrastinate
from psycopg import AsyncConnection

JOBS_SCHEMA = "jobs"
"""Procrastinate's tables and functions live here (migration 0008_jobs)."""

TASK_MODULES = ("turns.exports.tasks", "turns.photos.tasks", "turns.reports.tasks")
"""The modules whose ``TASKS`` the worker runs."""


@dataclass(frozen=True)
class Task:
    """A background task: ``run`` is called with procrastinate's job context and the job's
    arguments. A ``cron`` schedule makes it periodic (``periodic_id`` names the schedule); a
    periodic task keeps at most one job waiting."""

    name: str
    run: Callable[..., Coroutine[Any, Any, None]]
    cron: str | None = None
    periodic_id: str | None = None


def tasks() -> list[Task]:
    """Every domain's tasks, in :data:`TASK_MODULES` order."""
    found: list[Task] = []
    for module in TASK_MODULES:
        found.extend(importlib.import_module(module).TASKS)
    return found


def build(connector: procrastinate.PsycopgConnector) -> procrastinate.App:
    app = procrastinate.App(connector=connector)
    for task in tasks():
        lock = task.name if task.cron else None
        bound = app.task(name=task.name, pass_context=True, queueing_lock=lock)(task.run)
        if task.cron:
            app.periodic(cron=task.cron, periodic_id=task.periodic_id or task.name)(bound)
    return app


async def use_jobs_schema(conn: AsyncConnection[object]) -> None:
    """Put the queue's schema on a worker connection's search path (procrastinate names its
    objects without a schema). Session state, so only on the worker's direct connections."""
    await conn.execute(f"SET search_path = {JOBS_SCHEMA}, public")
    await conn.commit()
