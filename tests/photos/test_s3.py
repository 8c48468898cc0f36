"""The photo store on S3: the same API, its files in a bucket of a real S3 server (SeaweedFS)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.fixtures.factory import Factory
from tests.fixtures.s3 import S3Server
from tests.fixtures.server import LiveServer, running
from tests.photos.conftest import defer, leftovers, photo_bytes, run_jobs, team_of, upload
from turns.db.urls import DatabaseUrls
from turns.photos.storage import StoreError, open_store


@pytest.fixture
def s3_photos(
    db: DatabaseUrls, tmp_path: Path, s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LiveServer, str]]:
    bucket = s3_server.bucket()
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    with running(db, data_dir=tmp_path / "data", photo_store=f"s3://{bucket}/turns") as server:
        yield server, bucket


def test_photos_live_in_the_bucket(
    s3_photos: tuple[LiveServer, str], s3_server: S3Server, db: DatabaseUrls, factory: Factory
) -> None:
    server, bucket = s3_photos
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        team = team_of(http, factory)
        photo = upload(http, team, "inspector", photo_bytes(size=(2000, 1500)), phase="before").json()
        folder = f"turns/photos/{team.turn}/{photo['id']}"
        assert s3_server.keys(bucket) == [f"{folder}/original"]

        run_jobs(server, db)

        assert s3_server.keys(bucket) == [f"{folder}/display", f"{folder}/original", f"{folder}/thumb"]
        thumb = http.get(photo["files"]["thumb"], headers=team.tokens["manager"])
        assert Image.open(io.BytesIO(thumb.content)).size == (400, 300)
        assert http.get(photo["files"]["thumb"], headers=team.tokens["other_vendor"]).status_code == 404
        assert http.delete(f"/api/v1/photos/{photo['id']}", headers=team.tokens["inspector"]).status_code == 204
        from turns.photos.tasks import PURGE

        defer(db, PURGE, timestamp=0)
        run_jobs(server, db)
    assert s3_server.keys(bucket) == []
    assert leftovers(server) == []


def test_a_store_url_that_names_no_store_is_refused() -> None:
    for url in ("ftp://photos", "s3://", "/var/photos"):
        with pytest.raises(StoreError, match="TURNS_PHOTO_STORE must be"):
            open_store(url)
