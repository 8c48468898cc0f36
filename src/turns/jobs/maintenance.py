"""Periodic upkeep run by the job worker."""

from __future__ import annotations

from datetime import datetime

from procrastinate import JobContext
from sqlalchemy import text

from turns.db.context import system_actor
from turns.jobs.context import database_of
from turns.kit.logging import get_logger
from turns.kit.transaction import open_transaction

log = get_logger("turns.jobs")


async def refresh_property_summary(context: JobContext, timestamp: int) -> None:
    """Refresh the ``property_summary`` materialized view (concurrently, so readers are never
    blocked). Scheduled every five minutes; ``timestamp`` is the scheduled time procrastinate
    passes to periodic tasks. The queueing lock keeps at most one refresh waiting."""
    async with open_transaction(database_of(context), system_actor("property-summary-refresh")) as conn:
        refreshed: datetime | None = (await conn.execute(text("SELECT refresh_property_summary()"))).scalar_one()
    log.info(
        "property_summary_refreshed", refreshed_at=refreshed.isoformat() if refreshed else None, scheduled_for=timestamp
    )
