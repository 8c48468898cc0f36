"""Running a background export in the job worker.

The job acts as the user who asked (their RLS, their role's columns) and reads in a
read-only transaction, like a streamed export. The file is written next to its final name
and renamed when complete, so a download never sees half a file; progress is committed in
short transactions of its own while the export runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

from anyio import to_thread
from sqlalchemy import text

from turns.auth.transaction import open_transaction
from turns.db.context import Actor
from turns.db.engines import Database
from turns.exports.datasets import RESOURCES
from turns.exports.files import export_path
from turns.exports.formats import PDF_MAX_ROWS
from turns.exports.options import ExportOptions
from turns.exports.render import count_up_to, render
from turns.kit.logging import get_logger

log = get_logger("turns.exports")
PROGRESS_EVERY = 5000
EVERY_ROW = 10**12  # a count with no practical cap: the progress needs the exact total

_START = text(
    "UPDATE export_jobs SET status = 'RUNNING', started_at = now() WHERE id = :id AND status = 'QUEUED'"
    " RETURNING resource, format, filters, app_current_user_role()::text AS role"
)
_TOTAL = text("UPDATE export_jobs SET rows_total = :total WHERE id = :id")
_PROGRESS = text("UPDATE export_jobs SET rows_written = :rows WHERE id = :id")
_DONE = text("UPDATE export_jobs SET status = 'DONE', rows_written = :rows, finished_at = now() WHERE id = :id")
_FAILED = text("UPDATE export_jobs SET status = 'FAILED', error = :error, finished_at = now() WHERE id = :id")


class ExportTooLarge(Exception):
    """More rows than the format holds: the job fails with this message, and is not retried."""


async def run_export(database: Database, data_dir: Path, export_id: UUID, user_id: UUID) -> None:
    actor = Actor(user_id=user_id, context="export-job")

    async def execute(statement: Any, **params: Any) -> None:
        async with open_transaction(database, actor) as conn:
            await conn.execute(statement, {"id": export_id, **params})

    async with open_transaction(database, actor) as conn:
        job = (await conn.execute(_START, {"id": export_id})).mappings().first()
    if job is None or job["role"] is None:
        log.warning("export_not_runnable", export_id=str(export_id))
        return
    resource = RESOURCES[job["resource"]]
    fmt = job["format"]
    target = export_path(data_dir, export_id, fmt)
    partial = target.with_name(target.name + ".part")
    written = 0

    async def progress(rows: int) -> None:
        nonlocal written
        if rows // PROGRESS_EVERY > written // PROGRESS_EVERY:
            await execute(_PROGRESS, rows=rows)
        written = rows

    try:
        stored, options = ExportOptions.split(job["filters"])
        parsed = resource.parse_filters(stored)
        query = resource.query(parsed, job["role"], fmt)  # as the streamed export counts
        async with open_transaction(database, actor, read_only=True) as read:
            total = await count_up_to(read, query, PDF_MAX_ROWS if fmt == "pdf" else EVERY_ROW)
            if fmt == "pdf" and total > PDF_MAX_ROWS:
                raise ExportTooLarge(f"a PDF holds at most {PDF_MAX_ROWS} rows; narrow the filters or use CSV or xlsx")
            await execute(_TOTAL, total=total)
            await to_thread.run_sync(lambda: target.parent.mkdir(parents=True, exist_ok=True))
            with partial.open("wb") as out:
                async for chunk in render(
                    read, resource, parsed, fmt, job["role"], progress, options=options, filters=stored
                ):
                    await to_thread.run_sync(out.write, chunk)
        partial.replace(target)
        await execute(_DONE, rows=written)
        log.info("export_done", export_id=str(export_id), rows=written)
    except Exception as exc:
        partial.unlink(missing_ok=True)
        reason = str(exc) if isinstance(exc, ExportTooLarge) else "the export failed; try again or narrow the filters"
        await execute(_FAILED, error=reason)
        log.error("export_failed", export_id=str(export_id), error=repr(exc))
        if not isinstance(exc, ExportTooLarge):
            raise
