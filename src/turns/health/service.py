"""Readiness: the database answers and its schema is at the revision this code expects
(a server started before its migrations ran is alive but not ready)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from turns.db.engines import Database
from turns.db.migrate import head_revision
from turns.health.schemas import Readiness


async def readiness(database: Database) -> Readiness:
    """Asked of the primary: that is where migrations run and writes go."""
    expected = head_revision()
    current: str | None = None
    reachable = True
    try:
        async with database.primary.connect() as conn:
            current = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    except (OperationalError, DBAPIError, OSError):
        reachable = False
    ready = reachable and current == expected
    return Readiness(
        status="ready" if ready else "not ready",
        database="ok" if reachable else "unreachable",
        schema_revision=current,
        expected_revision=expected,
    )
