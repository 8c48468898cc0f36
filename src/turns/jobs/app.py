"""The procrastinate application: every task Turns runs in the background, in one registry.

Tasks are plain coroutines in their domain's module; :func:`build` binds them to a fresh
:class:`procrastinate.App` each time, so the worker (which owns a connection pool) and the
request path (which only enqueues, on the request's own connection) never share mutable
state.
"""

from __future__ import annotations

import procrastinate
from psycopg import AsyncConnection

from turns.exports import tasks as export_tasks
from turns.jobs import maintenance

JOBS_SCHEMA = "jobs"
"""Procrastinate's tables and functions live here (migration 0008_jobs)."""

EXPORT = "exports.run"
PURGE_EXPORT_FILES = "exports.purge_files"
REFRESH_PROPERTY_SUMMARY = "reporting.refresh_property_summary"
SUMMARY_CRON = "*/5 * * * *"
PURGE_CRON = "7 * * * *"


def build(connector: procrastinate.PsycopgConnector) -> procrastinate.App:
    app = procrastinate.App(connector=connector)
    app.task(name=EXPORT, pass_context=True)(export_tasks.run_export)
    purge = app.task(name=PURGE_EXPORT_FILES, pass_context=True, queueing_lock=PURGE_EXPORT_FILES)(
        export_tasks.purge_files
    )
    app.periodic(cron=PURGE_CRON, periodic_id="hourly")(purge)
    refresh = app.task(name=REFRESH_PROPERTY_SUMMARY, pass_context=True, queueing_lock=REFRESH_PROPERTY_SUMMARY)(
        maintenance.refresh_property_summary
    )
    app.periodic(cron=SUMMARY_CRON, periodic_id="every-5-minutes")(refresh)
    return app


async def use_jobs_schema(conn: AsyncConnection[object]) -> None:
    """Put the queue's schema on a worker connection's search path (procrastinate names its
    objects without a schema). Session state, so only on the worker's direct connections."""
    await conn.execute(f"SET search_path = {JOBS_SCHEMA}, public")
    await conn.commit()
