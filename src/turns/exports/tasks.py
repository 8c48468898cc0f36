"""The export jobs, as procrastinate runs them (bound by :mod:`turns.jobs.queue`)."""

from __future__ import annotations

from uuid import UUID

from anyio import to_thread
from procrastinate import JobContext

from turns.exports.background import run_export as run
from turns.exports.files import purge_old_files
from turns.jobs.context import resources_of
from turns.jobs.queue import Task
from turns.kit.logging import get_logger

log = get_logger("turns.exports")

EXPORT = "exports.run"
PURGE_EXPORT_FILES = "exports.purge_files"


async def run_export(context: JobContext, export_id: str, user_id: str) -> None:
    """Write the export ``export_id`` to its file, acting as ``user_id`` (who asked for it)."""
    resources = resources_of(context)
    await run(resources.database, resources.settings.data_dir, UUID(export_id), UUID(user_id))


async def purge_files(context: JobContext, timestamp: int) -> None:
    """Delete background export files past their retention (hourly)."""
    removed = await to_thread.run_sync(purge_old_files, resources_of(context).settings.data_dir)
    if removed:
        log.info("export_files_purged", count=removed)


TASKS = [
    Task(EXPORT, run_export),
    Task(PURGE_EXPORT_FILES, purge_files, cron="7 * * * *", periodic_id="hourly"),
]
