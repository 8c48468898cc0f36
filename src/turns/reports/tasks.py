"""Reporting jobs: the ``property_summary`` refresh, every five minutes."""

from __future__ import annotations

from datetime import datetime

from procrastinate import JobContext
from sqlalchemy import text

from turns.auth.transaction import open_transaction
from turns.db.context import system_actor
from turns.jobs.context import database_of
from turns.jobs.queue import Task
from turns.kit.logging import get_logger

log = get_logger("turns.reports")

REFRESH_PROPERTY_SUMMARY = "reporting.refresh_property_summary"


async def refresh_property_summary(context: JobContext, timestamp: int) -> None:
    """Refresh the ``property_summary`` materialized view (concurrently, so readers are never
    blocked). Scheduled every five minutes; ``timestamp`` is the scheduled time procrastinate
    passes to periodic tasks. The queueing lock keeps at most one refresh waiting."""
    async with open_transaction(database_of(context), system_actor("property-summary-refresh")) as conn:
        refreshed: datetime | None = (await conn.execute(text("SELECT refresh_property_summary()"))).scalar_one()
    log.info(
        "property_summary_refreshed", refreshed_at=refreshed.isoformat() if refreshed else None, scheduled_for=timestamp
    )


TASKS = [Task(REFRESH_PROPERTY_SUMMARY, refresh_property_summary, cron="*/5 * * * *", periodic_id="every-5-minutes")]
