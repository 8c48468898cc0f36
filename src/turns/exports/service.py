"""Exports as the request sees them: streamed or queued by size, the EXPORT audit row,
queueing a background export, and reading a background export's state.

The audit row and a background export's job are written in the request's (write)
transaction, so a request that fails leaves neither; the rows themselves are read in a
read-only transaction of their own (see :mod:`turns.exports.endpoints`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.identity import CurrentUser
from turns.exports.datasets import Format, Resource
from turns.exports.formats import PDF_MAX_ROWS
from turns.exports.options import ExportOptions
from turns.exports.render import count_up_to, render
from turns.exports.tasks import EXPORT
from turns.jobs.enqueue import enqueue
from turns.kit.errors import NotFound, Unprocessable

_AUDIT = text("SELECT audit_export(:table, :export, CAST(:details AS jsonb))")
_QUEUE = text(
    "INSERT INTO export_jobs (id, requested_by, resource, format, filters, job_id)"
    " VALUES (:id, :user, :resource, :format, CAST(:filters AS jsonb), :job)"
    " RETURNING *"
)
_GET = text("SELECT * FROM export_jobs WHERE id = :id")


@dataclass(frozen=True)
class Streamed:
    """An export small enough to send in the response: its id (audited) and its bytes."""

    export_id: UUID
    body: AsyncIterator[bytes]


async def start(
    conn: AsyncConnection,
    read: AsyncConnection,
    user: CurrentUser,
    resource: Resource,
    fmt: Format,
    params: BaseModel,
    *,
    background: bool,
    stream_limit: int,
) -> Streamed | dict[str, Any]:
    """Streamed when the rows (read in ``read``) number at most ``stream_limit`` and no
    ``background`` is asked, else a queued background export (its job row). Either way the
    EXPORT audit row is written in ``conn``, committed before the first byte is sent."""
    optional = set(ExportOptions.model_fields)
    options = ExportOptions.model_validate(params.model_dump(include=optional))
    filters = resource.parse_filters(params.model_dump(exclude={"background", *optional}))
    stored = filters.model_dump(mode="json", exclude_none=True)
    # Counted on the table alone: the readable form's joins to named rows add no rows, only
    # the time it takes to build and plan them.
    query = resource.query(filters, user.role, fmt)
    rows = await count_up_to(read, query, max(stream_limit, PDF_MAX_ROWS) if fmt == "pdf" else stream_limit)
    if fmt == "pdf" and rows > PDF_MAX_ROWS:
        raise Unprocessable(f"a PDF holds at most {PDF_MAX_ROWS} rows; narrow the filters or export CSV or xlsx")
    if background or rows > stream_limit:
        return await queue(conn, user.id, resource, fmt, stored, options)
    export_id = uuid4()
    await audit(conn, resource, export_id, fmt, stored, options, rows=rows, background=False)
    return Streamed(export_id, render(read, resource, filters, fmt, user.role, options=options, filters=stored))


async def audit(
    conn: AsyncConnection,
    resource: Resource,
    export_id: UUID,
    fmt: str,
    filters: dict[str, Any],
    options: ExportOptions,
    *,
    rows: int | None,
    background: bool,
) -> None:
    details = {
        "format": fmt,
        "filters": filters,
        "rows": rows,
        "background": background,
        "resource": resource.name,
        **options.stored(),
    }
    await conn.execute(
        _AUDIT, {"table": resource.table.name, "export": export_id, "details": json.dumps(details, default=str)}
    )


async def queue(
    conn: AsyncConnection,
    user_id: UUID,
    resource: Resource,
    fmt: str,
    filters: dict[str, Any],
    options: ExportOptions,
) -> dict[str, Any]:
    """Create a background export, enqueue its job and audit it, all in ``conn``'s transaction;
    the job keeps the options among its filters (:meth:`ExportOptions.split`)."""
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
                    "filters": json.dumps(filters | options.stored()),
                    "job": job_id,
                },
            )
        )
        .mappings()
        .one()
    )
    await audit(conn, resource, export_id, fmt, filters, options, rows=None, background=True)
    return dict(row)


async def get(conn: AsyncConnection, export_id: UUID) -> dict[str, Any]:
    """A background export of the acting user (RLS shows nobody else's)."""
    row = (await conn.execute(_GET, {"id": export_id})).mappings().first()
    if row is None:
        raise NotFound("no export with this id is yours")
    return dict(row)
