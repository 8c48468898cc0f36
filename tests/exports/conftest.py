"""Exports write files under the data directory: each test gets its own, and a job worker
when it needs one."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from turns.config import Settings
from turns.db.engines import Database
from turns.db.urls import DatabaseUrls
from turns.jobs import worker
from turns.jobs.context import WorkerResources


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TURNS_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def api(data_dir: Path, client: httpx.Client) -> httpx.Client:
    """The live server's client, the server reading its settings after ``data_dir`` set them."""
    return client


class RunningWorker:
    """The job worker as ``turns serve`` runs it, on an event loop in a thread of its own."""

    def __init__(self, urls: DatabaseUrls) -> None:
        self.urls = urls
        self.started = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop: asyncio.Event | None = None
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.stop = asyncio.Event()
        database = Database.connect(self.urls, pool_size=2)
        self.started.set()
        try:
            await worker.run(self.stop, WorkerResources(database, Settings.from_env()))
        finally:
            await database.dispose()

    def __enter__(self) -> RunningWorker:
        self.thread.start()
        assert self.started.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.loop is not None and self.stop is not None
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(timeout=60)
        assert not self.thread.is_alive()


@pytest.fixture
def job_worker(db: DatabaseUrls, data_dir: Path) -> Iterator[RunningWorker]:
    with RunningWorker(db) as running:
        yield running
