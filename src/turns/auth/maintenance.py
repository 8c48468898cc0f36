"""Deleting sessions past their absolute expiry and stale login-throttle counters."""

from __future__ import annotations

from sqlalchemy import text

from turns.auth.transaction import open_transaction
from turns.db.context import system_actor
from turns.db.engines import Database
from turns.kit.logging import get_logger

log = get_logger("turns.auth")


async def purge_sessions(database: Database) -> int:
    async with open_transaction(database, system_actor("session-purge")) as conn:
        purged = int((await conn.execute(text("SELECT auth_purge_sessions()"))).scalar_one())
    if purged:
        log.info("sessions_purged", count=purged)
    return purged
