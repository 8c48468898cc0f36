"""``turns worker``: the background work without the API (e-mail outbox delivery, the job queue)."""

from __future__ import annotations

import asyncio
import signal

import typer

from turns.cli.common import settings, urls
from turns.db.engines import Database
from turns.jobs import worker as jobs_worker
from turns.jobs.context import WorkerResources
from turns.kit import logging
from turns.notifications.mailer import Mailer

app = typer.Typer()


@app.command("worker")
def worker() -> None:
    """Deliver queued e-mail and run queued jobs until interrupted (`turns serve` runs the same
    work itself unless TURNS_RUN_WORKER=false). Jobs are taken over the direct URL."""
    s = settings()
    resolved = urls()
    logging.configure(s.log_level)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        database = Database.connect(resolved, pool_size=2 + jobs_worker.CONCURRENCY)
        try:
            await asyncio.gather(
                Mailer(database, s.smtp_url, s.mail_from, s.public_url).run(stop),
                jobs_worker.run(stop, WorkerResources(database, s)),
            )
        finally:
            await database.dispose()

    asyncio.run(main())
