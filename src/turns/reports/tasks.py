"""Reporting jobs, every five minutes: the ``property_summary`` refresh, and the snapshots of the
admin-wide reports (:mod:`turns.reports.snapshots`)."""

from __future__ import annotations

from datetime import datetime

from procrastinate import JobContext
from sqlalchemy import text

from turns.auth.transaction import open_transaction
from turns.db.context import system_actor
from turns.jobs.context import database_of
from turns.jobs.queue import Task
from turns.kit.logging import get_logger
from turns.reports import snapshots

log = get_logger("turns.reports")

REFRESH_PROPERTY_SUMMARY = "reporting.refresh_property_summary"
REFRESH_REPORT_SNAPSHOTS = "reporting.refresh_report_snapshots"


async def refresh_property_summary(context: JobContext, timestamp: int) -> None:
    """Refresh the ``property_summary`` materialized view (concurrently, so readers are never
    blocked). Scheduled every five minutes; ``timestamp`` is the scheduled time procrastinate
    passes to periodic tasks. The queueing lock keeps at most one refresh waiting."""
    async with open_transaction(database_of(context), system_actor("property-summary-refresh")) as conn:
        refreshed: datetime | None = (await conn.execute(text("SELECT refresh_property_summary()"))).scalar_one()
    log.info(
        "property_summary_refreshed", refreshed_at=refreshed.isoformat() if refreshed else None, scheduled_for=timestamp
    )


async def refresh_report_snapshots(context: JobContext, timestamp: int) -> None:
    """Take every report snapshot again, each in its own transaction: a snapshot is replaced as
    soon as it is computed, and no transaction stays open for the whole run. The queueing lock
    keeps at most one refresh waiting."""
    for name in snapshots.SNAPSHOTS:
        async with open_transaction(database_of(context), system_actor("report-snapshots")) as conn:
            as_of = await snapshots.take(conn, name)
        log.info("report_snapshot_taken", report=name, as_of=as_of.isoformat(), scheduled_for=timestamp)


TASKS = [
    Task(REFRESH_PROPERTY_SUMMARY, refresh_property_summary, cron="*/5 * * * *", periodic_id="every-5-minutes"),
    Task(
        REFRESH_REPORT_SNAPSHOTS, refresh_report_snapshots, cron="*/5 * * * *", periodic_id="snapshots-every-5-minutes"
    ),
]
