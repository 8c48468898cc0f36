"""A server with sync running (its own replication slot and shape logs) on the test's database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.server import LiveServer
from turns.db.urls import DatabaseUrls


def sync_server(db: DatabaseUrls, folder: Path, port: int | None = None, **overrides: object) -> LiveServer:
    name = db.app.rsplit("/", 1)[-1]
    settings = {"sync": True, "sync_slot": f"sync_{name}", "sync_dir": folder, "sync_poll_seconds": 0.02}
    return LiveServer(db, port, **(settings | overrides))


@pytest.fixture
def synced(db: DatabaseUrls, tmp_path: Path) -> Iterator[LiveServer]:
    server = sync_server(db, tmp_path / "sync")
    server.start()
    try:
        wait_ready(server.base_url)
        yield server
    finally:
        server.stop()


def wait_ready(base_url: str, timeout: float = 30) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if httpx.get(f"{base_url}/v1/health").status_code == 200:
            return
        time.sleep(0.05)
    raise RuntimeError("sync did not become ready")


@pytest.fixture
def sync_client(synced: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=synced.base_url, timeout=60) as http:
        yield http
