"""Running the job worker, inside ``turns serve`` or as ``turns worker``.

The worker connects with the **direct** URL, never the pooled one: procrastinate waits
for new jobs with ``LISTEN``, which needs a session of its own that a transaction-mode
pooler (Neon's ``-pooler`` endpoint, PgBouncer) does not keep. It connects as the
application role (the owner's host and database, the application role's credentials), so
the queue is reached with the same grants as the API and nothing more. The tasks
themselves use the application's engines (:class:`~turns.db.engines.Database`) and act
as a user or the system user, so RLS applies to their work as to a request's.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import unquote, urlsplit

import procrastinate

from turns.db.urls import DatabaseUrls, with_credentials
from turns.jobs.context import WorkerResources, additional_context
from turns.jobs.queue import build, use_jobs_schema
from turns.kit.logging import get_logger
from turns.kit.periodic import every

log = get_logger("turns.jobs")
CONCURRENCY = 2
SHUTDOWN_GRACE_SECONDS = 30.0
RESTART_SECONDS = 5.0


def direct_app_url(urls: DatabaseUrls) -> str:
    """The direct primary (the owner's URL) with the application role's credentials."""
    app = urlsplit(urls.app)
    if not app.username:
        raise ValueError("the application URL names no user")
    password = unquote(app.password) if app.password else None
    return with_credentials(urls.owner, unquote(app.username), password)


def connector(urls: DatabaseUrls) -> procrastinate.PsycopgConnector:
    return procrastinate.PsycopgConnector(
        conninfo=direct_app_url(urls),
        min_size=1,
        max_size=CONCURRENCY + 2,
        kwargs={"application_name": "turns-worker"},
        configure=use_jobs_schema,
    )


async def _run_until(stop: asyncio.Event, resources: WorkerResources) -> None:
    app = build(connector(resources.database.urls))
    async with app.open_async():
        worker = asyncio.create_task(
            app.run_worker_async(
                name="turns-worker",
                concurrency=CONCURRENCY,
                install_signal_handlers=False,
                delete_jobs="successful",
                shutdown_graceful_timeout=SHUTDOWN_GRACE_SECONDS,
                additional_context=additional_context(resources),
            )
        )
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({worker, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            worker.cancel()  # procrastinate stops gracefully: running jobs get the grace period
            with contextlib.suppress(asyncio.CancelledError):
                await worker  # a worker that failed raises here, and is restarted by `every`


async def run(stop: asyncio.Event, resources: WorkerResources) -> None:
    """Run jobs until ``stop`` is set; a worker that fails (the database restarting, say)
    is started again after a pause."""
    log.info("job_worker_started")
    await every(RESTART_SECONDS, lambda: _run_until(stop, resources), stop, "job-worker")
    log.info("job_worker_stopped")
