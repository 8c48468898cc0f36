"""The engine's socket: what it does with a worker that stops reading."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import cast

from turns.sync.channel import EngineServer, socket_path
from turns.sync.engine import SyncEngine


def test_a_worker_that_stops_reading_is_let_go(tmp_path: Path) -> None:
    """The engine does not hold a worker's messages without end: past its backlog the worker is
    disconnected (a real worker connects again and wakes what it holds)."""

    async def scenario() -> None:
        engine = SimpleNamespace(subscribers=[], users_changed=lambda users: None, ready=asyncio.Event(), last_lsn=0)
        server = EngineServer(cast(SyncEngine, engine), socket_path(tmp_path))
        stop = asyncio.Event()
        running = asyncio.create_task(server.run(stop))
        for _ in range(500):  # until it listens
            try:
                _, writer = await asyncio.open_unix_connection(str(server.path))  # and never reads
                break
            except OSError:
                await asyncio.sleep(0.01)
        for _ in range(500):  # until it has taken the connection
            if server.writers:
                break
            await asyncio.sleep(0.01)
        told = engine.subscribers[0]
        for _ in range(40):  # about 50 MB of step messages
            told(list(range(200_000)), 1)
            await asyncio.sleep(0)
        assert not server.writers
        writer.close()
        stop.set()
        await running

    asyncio.run(scenario())
