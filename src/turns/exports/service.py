"""Exports as the request sees them: the EXPORT audit row, queueing a background export,
and reading a background export's state.

The audit row and a background export's job are written in the request's (write)
transaction, so a request that fails leaves neither; the rows themselves are read in a
read-only transaction of their own (see :mod:`turns.exports.endpoints`).
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.exports.datasets import Resource
from turns.exports.tasks import EXPORT
from turns.jobs.enqueue import enqueue
from turns.kit.errors import NotFound

_AUDIT = text("SELECT audit_export(:table, :export, CAST(:details AS jsonb))")
_QUEUE = text(
    "INSERT INTO export_jobs (id, requested_by, resource, format, filters, job_id)"
    " VALUES (:id, :user, :resource, :format, CAST(:filters AS jsonb), :job)"
    " RETURNING *"
)
_GET = text("SELECT * FROM export_jobs WHERE id = :id")


async def audit(
    conn: AsyncConnection,
    resource: Resource,
    export_id: UUID,
    fmt: str,
    filters: dict[str, Any],
    *,
    rows: int | None,
    background: bool,
) -> None:
    details = {"format": fmt, "filters": filters, "rows": rows, "background": background, "resource": resource.name}
    await conn.execute(
        _AUDIT, {"table": resource.table.name, "export": export_id, "details": json.dumps(details, default=str)}
    )


async def queue(
    conn: AsyncConnection, user_id: UUID, resource: Resource, fmt: str, filters: dict[str, Any]
) -> dict[str, Any]:
    """Create a background export, enqueue its job and audit it, all in ``conn``'s transaction."""
    export_id = uuid4()
    job_id = await enqueue(conn, EXPORT, export_id=str(export_id), user_id=str(user_id))
    row = (
        (
            await conn.execute(
                _QUEUE,
                {
                    "id": export_id,
                    "user": user_id,
                    "resource": resource.name,
                    "format": fmt,
                    "filters": json.dumps(filters),
                    "job": job_id,
                },
            )
        )
        .mappings()
        .one()
    )
    await audit(conn, resource, export_id, fmt, filters, rows=None, background=True)
    return dict(row)


async def get(conn: AsyncConnection, export_id: UUID) -> dict[str, Any]:
    """A background export of the acting user (RLS shows nobody else's)."""
    row = (await conn.execute(_GET, {"id": export_id})).mappings().first()
    if row is None:
        raise NotFound("no export with this id is yours")
    return dict(row)
