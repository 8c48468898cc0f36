"""What the commands that run in the background share: ``turns worker`` and ``turns sync``."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

from turns.cli.common import settings, urls
from turns.config import Settings
from turns.db.engines import Database
from turns.kit import logging
from turns.kit.supervision import end_with_supervisor


def run_until_signalled(pool_size: int, work: Callable[[Settings, Database, asyncio.Event], Awaitable[object]]) -> None:
    """Run ``work`` on a database of ``pool_size`` connections until SIGINT or SIGTERM sets its stop
    event (or the supervisor that started this process ends, see :mod:`turns.kit.supervision`)."""
    s = settings()
    resolved = urls()
    logging.configure(s.log_level)
    end_with_supervisor()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        database = Database.connect(resolved, pool_size=pool_size)
        try:
            await work(s, database, stop)
        finally:
            await database.dispose()

    asyncio.run(main())
