"""Photos under test: images made with Pillow (with a GPS position in their metadata), a live
server with its own data directory and the job worker run to completion (the S3 server of the
S3 back-end is ``tests.fixtures.s3``)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pillow_heif
import pytest
from PIL import Image

from tests.fixtures.factory import Factory, User, bearer, login
from tests.fixtures.server import LiveServer, running
from turns.db.engines import Database
from turns.db.urls import DatabaseUrls
from turns.jobs import queue as jobs_queue
from turns.jobs.context import WorkerResources, additional_context
from turns.jobs.worker import connector

pillow_heif.register_heif_opener()

GPS_IFD = 0x8825


def photo_bytes(
    fmt: str = "JPEG", size: tuple[int, int] = (1200, 900), *, gps: bool = True, rotated: bool = False
) -> bytes:
    """An image as a phone would send it: its metadata holding where it was taken."""
    image = Image.new("RGB", size, (180, 120, 60))
    image.paste((20, 40, 200), (0, 0, size[0] // 2, size[1] // 3))  # so that upright differs from rotated
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if gps:
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (40.0, 26.0, 46.0), 3: "W", 4: (79.0, 58.0, 56.0)})
    if rotated:
        exif[0x0112] = 6  # Orientation: the camera was turned; upright is 90° clockwise
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


@dataclass
class PhotoTeam:
    admin: User
    manager: User
    senior: User
    other_manager: User
    inspector: User
    dfo: User
    vendor: User
    other_vendor: User
    turn: UUID
    tokens: dict[str, dict[str, str]]

    def headers(self, who: str, content_type: str | None = "image/jpeg") -> dict[str, str]:
        return self.tokens[who] | ({"Content-Type": content_type} if content_type else {})


@pytest.fixture
def photo_server(db: DatabaseUrls, tmp_path: Path) -> Iterator[LiveServer]:
    with running(db, data_dir=tmp_path / "data") as server:
        yield server


@pytest.fixture
def http(photo_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=photo_server.base_url, timeout=30) as client:
        yield client


def team_of(client: httpx.Client, factory: Factory) -> PhotoTeam:
    company, other_company = factory.vendor(), factory.vendor()
    users = {
        "admin": factory.user("ADMIN"),
        "manager": factory.user("PROPERTY_MANAGER"),
        "senior": factory.user("SR_PROPERTY_MANAGER"),
        "other_manager": factory.user("PROPERTY_MANAGER"),
        "inspector": factory.user("INSPECTOR"),
        "dfo": factory.user("DFO_APPROVER"),
        "vendor": factory.user("VENDOR", vendor_id=company),
        "other_vendor": factory.user("VENDOR", vendor_id=other_company),
    }
    tokens = {name: bearer(login(client, user)) for name, user in users.items()}
    client.cookies.clear()
    home = factory.property(users["manager"], users["senior"])
    turn = factory.turn(home, vendor_id=company)
    return PhotoTeam(**users, turn=turn, tokens=tokens)


@pytest.fixture
def team(http: httpx.Client, factory: Factory) -> PhotoTeam:
    return team_of(http, factory)


def upload(
    client: httpx.Client, team: PhotoTeam, who: str, body: bytes, content_type: str | None = "image/jpeg", **params: Any
) -> httpx.Response:
    return client.post(
        f"/api/v1/turns/{team.turn}/photos", content=body, params=params, headers=team.headers(who, content_type)
    )


def run_jobs(server: LiveServer, db: DatabaseUrls) -> None:
    """Run every queued job to completion, as ``turns serve``'s worker would, with the server's settings."""

    async def work() -> None:
        database = Database.connect(db, pool_size=2)
        app = jobs_queue.build(connector(db))
        try:
            async with app.open_async():
                await app.run_worker_async(
                    wait=False,
                    install_signal_handlers=False,
                    additional_context=additional_context(WorkerResources(database, server.app_settings)),
                )
        finally:
            await database.dispose()

    asyncio.run(work())


def defer(db: DatabaseUrls, task: str, **args: int) -> None:
    """Queue ``task`` with ``args``, as its schedule would."""

    async def work() -> None:
        app = jobs_queue.build(connector(db))
        async with app.open_async():
            await app.configure_task(task).defer_async(**args)

    asyncio.run(work())


def leftovers(server: LiveServer) -> list[Path]:
    """Files left in the upload folder (there must be none once a request is answered)."""
    folder = server.app_settings.data_dir / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def stored(server: LiveServer) -> list[str]:
    """The files of the local photo store, relative to it."""
    root = server.app_settings.data_dir / "photos"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []
