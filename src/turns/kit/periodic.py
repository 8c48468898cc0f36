"""Run a coroutine every so often until told to stop, surviving its failures."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from turns.kit.logging import get_logger

log = get_logger("turns.periodic")


async def every(seconds: float, job: Callable[[], Awaitable[object]], stop: asyncio.Event, name: str) -> None:
    while not stop.is_set():
        try:
            await job()
        except Exception as exc:  # a failed run (e.g. the database restarting) is retried next time
            log.warning("periodic_job_failed", job=name, error=repr(exc))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)
