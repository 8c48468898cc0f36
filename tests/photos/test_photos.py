"""Photos of a turn through the API: who adds and sees them, what is kept of the file, the
sizes made by the job, removal, and uploads that must leave nothing behind."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from PIL import Image

from tests.fixtures.factory import Factory
from tests.fixtures.server import LiveServer, running
from tests.photos.conftest import GPS_IFD, PhotoTeam, defer, leftovers, photo_bytes, run_jobs, stored, team_of, upload
from turns.db.context import SYSTEM_USER_ID
from turns.db.urls import DatabaseUrls
from turns.photos.tasks import PURGE


def _image(response: httpx.Response) -> Image.Image:
    assert response.status_code == 200, response.text
    return Image.open(io.BytesIO(response.content))


def test_a_manager_adds_a_photo_and_its_metadata_is_gone(
    http: httpx.Client, team: PhotoTeam, photo_server: LiveServer
) -> None:
    sent = photo_bytes(rotated=True)
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(GPS_IFD)  # the phone's file says where

    added = upload(http, team, "manager", sent, caption=" Kitchen, water damage ", phase="before")

    assert added.status_code == 201, added.text
    photo = added.json()
    assert (photo["turn_id"], photo["subject"], photo["phase"], photo["caption"]) == (
        str(team.turn), "turn", "before", "Kitchen, water damage",
    )  # fmt: skip
    assert (photo["content_type"], photo["uploaded_type"], photo["sizes_ready"]) == ("image/jpeg", "image/jpeg", False)
    assert (photo["width"], photo["height"]) == (900, 1200)  # turned upright by its orientation
    assert photo["created_by"] == str(team.manager.id)
    assert "storage_key" not in photo
    kept = _image(http.get(photo["files"]["original"], headers=team.tokens["manager"]))
    assert kept.format == "JPEG" and kept.size == (900, 1200)
    assert dict(kept.getexif()) == {}  # no GPS, no camera, no orientation left
    assert kept.getpixel((899, 0)) == pytest.approx((20, 40, 200), abs=12)  # blue at the top right once upright
    # Until the job has run, every size is the original.
    assert _image(http.get(photo["files"]["thumb"], headers=team.tokens["manager"])).size == (900, 1200)
    assert stored(photo_server) == [f"photos/{team.turn}/{photo['id']}/original"]
    assert leftovers(photo_server) == []


def test_the_sizes_are_made_by_the_job(
    http: httpx.Client, team: PhotoTeam, photo_server: LiveServer, db: DatabaseUrls
) -> None:
    photo = upload(http, team, "inspector", photo_bytes("PNG", (3000, 2000)), "image/png").json()

    run_jobs(photo_server, db)

    shown = http.get(f"/api/v1/photos/{photo['id']}", headers=team.tokens["admin"]).json()
    assert shown["sizes_ready"] is True
    display = _image(http.get(shown["files"]["display"], headers=team.tokens["admin"]))
    thumb = _image(http.get(shown["files"]["thumb"], headers=team.tokens["admin"]))
    assert (display.format, display.size) == ("WEBP", (1600, 1067))
    assert (thumb.format, thumb.size) == ("WEBP", (400, 267))
    original = http.get(shown["files"]["original"], headers=team.tokens["admin"])
    assert original.headers["content-type"] == "image/png"
    assert original.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert len(stored(photo_server)) == 3


def test_an_iphone_photo_is_kept_as_jpeg(http: httpx.Client, team: PhotoTeam) -> None:
    added = upload(http, team, "vendor", photo_bytes("HEIF", (640, 480)), "image/heic", phase="after")

    assert added.status_code == 201, added.text
    assert (added.json()["content_type"], added.json()["uploaded_type"]) == ("image/jpeg", "image/heic")
    kept = _image(http.get(added.json()["files"]["original"], headers=team.tokens["vendor"]))
    assert (kept.format, kept.size, dict(kept.getexif())) == ("JPEG", (640, 480), {})


def test_who_adds_and_who_sees_a_turns_photos(http: httpx.Client, team: PhotoTeam) -> None:
    photo = upload(http, team, "manager", photo_bytes()).json()
    path = f"/api/v1/turns/{team.turn}/photos"

    for who in ("admin", "manager", "senior", "inspector", "dfo", "vendor"):
        listed = http.get(path, headers=team.tokens[who])
        assert listed.status_code == 200, (who, listed.text)
        assert [p["id"] for p in listed.json()] == [photo["id"]], who
        assert http.get(photo["files"]["thumb"], headers=team.tokens[who]).status_code == 200, who
    for who in ("other_manager", "other_vendor"):
        assert http.get(path, headers=team.tokens[who]).status_code == 404, who
        assert http.get(f"/api/v1/photos/{photo['id']}", headers=team.tokens[who]).status_code == 404, who
        refused = http.get(photo["files"]["original"], headers=team.tokens[who])
        assert refused.status_code == 404 and refused.headers["content-type"] == "application/problem+json", who
        assert upload(http, team, who, photo_bytes()).status_code == 404, who
    approver = upload(http, team, "dfo", photo_bytes())
    assert approver.status_code == 403
    assert "approvers look at photos" in approver.json()["detail"]
    assert http.get(photo["files"]["original"]).status_code == 401


def test_an_inspections_photos_are_not_the_vendors(http: httpx.Client, team: PhotoTeam, factory: Factory) -> None:
    result = uuid4()  # the inspection result it shows (the subject is not a foreign key)
    taken = upload(http, team, "inspector", photo_bytes(), subject="inspection", subject_id=str(result)).json()
    of_the_turn = upload(http, team, "inspector", photo_bytes()).json()

    listed = http.get(f"/api/v1/turns/{team.turn}/photos", headers=team.tokens["vendor"])
    assert [p["id"] for p in listed.json()] == [of_the_turn["id"]]
    assert http.get(taken["files"]["thumb"], headers=team.tokens["vendor"]).status_code == 404
    assert http.get(taken["files"]["thumb"], headers=team.tokens["manager"]).status_code == 200
    refused = upload(http, team, "vendor", photo_bytes(), subject="inspection", subject_id=str(result))
    assert refused.status_code == 403
    assert "inspection photos are taken by" in refused.json()["detail"]
    assert factory.query("SELECT count(*) FROM photos WHERE subject = 'inspection'") == [(1,)]


def test_the_uploader_or_an_admin_removes_a_photo_and_the_purge_removes_its_files(
    http: httpx.Client, team: PhotoTeam, photo_server: LiveServer, db: DatabaseUrls, factory: Factory
) -> None:
    first = upload(http, team, "vendor", photo_bytes()).json()
    second = upload(http, team, "inspector", photo_bytes()).json()
    run_jobs(photo_server, db)
    assert len(stored(photo_server)) == 6

    refused = http.delete(f"/api/v1/photos/{first['id']}", headers=team.tokens["manager"])
    assert refused.status_code == 403
    assert http.delete(f"/api/v1/photos/{first['id']}", headers=team.tokens["other_vendor"]).status_code == 404
    assert http.delete(f"/api/v1/photos/{first['id']}", headers=team.tokens["vendor"]).status_code == 204
    assert http.delete(f"/api/v1/photos/{second['id']}", headers=team.tokens["admin"]).status_code == 204
    assert http.get(f"/api/v1/photos/{first['id']}", headers=team.tokens["vendor"]).status_code == 404
    assert len(factory.query("SELECT storage_key FROM photo_blobs_gone")) == 2
    audit = factory.query(
        "SELECT action::text, user_id FROM audit_logs WHERE table_name = 'photos' AND record_id = %s"
        " ORDER BY created_at",
        (first["id"],),
    )
    # Created and removed by the vendor; the sizes marked ready by the job, as the system user.
    assert audit == [("CREATE", team.vendor.id), ("UPDATE", SYSTEM_USER_ID), ("DELETE", team.vendor.id)]

    defer(db, PURGE, timestamp=0)
    run_jobs(photo_server, db)

    assert stored(photo_server) == []
    assert factory.query("SELECT count(*) FROM photo_blobs_gone") == [(0,)]


def test_a_removed_turn_takes_its_photos_files_with_it(http: httpx.Client, team: PhotoTeam, factory: Factory) -> None:
    photo = upload(http, team, "manager", photo_bytes()).json()

    assert factory.query("DELETE FROM turns WHERE id = %s RETURNING id", (team.turn,)) == [(team.turn,)]

    assert factory.query("SELECT storage_key FROM photo_blobs_gone") == [(f"photos/{team.turn}/{photo['id']}",)]


def _noise(width: int, height: int) -> bytes:
    """A JPEG that does not compress: random pixels."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "JPEG", quality=95)
    return out.getvalue()


def _truncated() -> bytes:
    whole = photo_bytes(size=(800, 600))
    return whole[: len(whole) // 2]


def _bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, "PNG")  # 144 million pixels in a few kB
    return out.getvalue()


@pytest.mark.parametrize(
    ("body", "content_type", "status", "words"),
    [
        (b"", "image/jpeg", 422, "no photo"),
        (b"%PDF-1.7 not a photo at all", "image/jpeg", 415, "not a photo"),
        (photo_bytes("PNG", (50, 50)), "image/jpeg", 415, "is a PNG but was sent as image/jpeg"),
        (photo_bytes("JPEG", (50, 50)), "text/plain", 415, "not text/plain"),
        (_truncated(), "image/jpeg", 422, "damaged or incomplete"),
        (_bomb(), "image/png", 413, "million pixels"),
    ],
    ids=["empty", "not-an-image", "lying-type", "wrong-declared-type", "truncated", "decompression-bomb"],
)
def test_a_refused_upload_leaves_nothing(
    http: httpx.Client,
    team: PhotoTeam,
    photo_server: LiveServer,
    factory: Factory,
    body: bytes,
    content_type: str,
    status: int,
    words: str,
) -> None:
    refused = upload(http, team, "manager", body, content_type)

    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert words in refused.json()["detail"]
    assert factory.query("SELECT count(*) FROM photos") == [(0,)]
    assert stored(photo_server) == []
    assert leftovers(photo_server) == []


def test_an_upload_past_the_limit_stops_at_the_limit(db: DatabaseUrls, tmp_path: Path, factory: Factory) -> None:
    with (
        running(db, data_dir=tmp_path / "data", photo_max_bytes=200_000) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as client,
    ):
        team = team_of(client, factory)
        big = _noise(600, 600)
        assert len(big) > 200_000
        announced = upload(client, team, "manager", big)

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            for start in range(0, len(big), 65_536):
                yield big[start : start + 65_536]

        streamed = client.post(f"/api/v1/turns/{team.turn}/photos", content=chunks(), headers=team.headers("manager"))
        fits = upload(client, team, "manager", photo_bytes(size=(200, 200)))
        files = stored(server), leftovers(server)
    for refused in (announced, streamed):
        assert refused.status_code == 413, refused.text
        assert refused.json()["detail"] == "a photo may be at most 0.19 MB"
    assert fits.status_code == 201
    assert factory.query("SELECT count(*) FROM photos") == [(1,)]
    assert len(files[0]) == 1 and files[1] == []


def test_bad_details_are_refused_before_anything_is_kept(http: httpx.Client, team: PhotoTeam, factory: Factory) -> None:
    for params in ({"subject": "scope_line"}, {"subject": "turn", "subject_id": str(team.turn)}, {"phase": "during"}):
        refused = upload(http, team, "manager", photo_bytes(size=(50, 50)), **params)
        assert refused.status_code == 422, (params, refused.text)
    assert factory.query("SELECT count(*) FROM photos") == [(0,)]
