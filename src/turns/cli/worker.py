"""``turns worker``: the background work without the API (e-mail outbox delivery)."""

from __future__ import annotations

import asyncio
import signal

import typer

from turns.cli.common import settings, urls
from turns.kit import logging
from turns.kit.database import Database
from turns.notifications.mailer import Mailer


def register(app: typer.Typer) -> None:
    @app.command("worker")
    def worker() -> None:
        """Deliver queued e-mail until interrupted (`turns serve` runs the same work itself)."""
        s = settings()
        resolved = urls()
        logging.configure(s.log_level)

        async def main() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            database = Database.connect(resolved, pool_size=2)
            try:
                await Mailer(database, s.smtp_url, s.mail_from, s.public_url).run(stop)
            finally:
                await database.dispose()

        asyncio.run(main())
