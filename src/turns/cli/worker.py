"""``turns worker``: the background work without the API (e-mail outbox delivery, the job queue)."""

from __future__ import annotations

import asyncio

import typer

from turns.cli.background import run_until_signalled
from turns.config import Settings
from turns.db.engines import Database
from turns.jobs import worker as jobs_worker
from turns.jobs.context import WorkerResources
from turns.notifications.mailer import Mailer

app = typer.Typer()


@app.command("worker")
def worker() -> None:
    """Deliver queued e-mail and run queued jobs until interrupted (`turns serve` runs the same
    work itself unless TURNS_RUN_WORKER=false). Jobs are taken over the direct URL."""
    run_until_signalled(2 + jobs_worker.CONCURRENCY, _work)


async def _work(settings: Settings, database: Database, stop: asyncio.Event) -> None:
    await asyncio.gather(
        Mailer(database, settings.smtp_url, settings.mail_from, settings.public_url).run(stop),
        jobs_worker.run(stop, WorkerResources(database, settings)),
    )
