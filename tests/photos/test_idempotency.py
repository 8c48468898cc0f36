"""An upload sent again under its ``Idempotency-Key`` (a phone that lost its connection before the
answer): the same bytes get the photo the first upload added and nothing new is kept; other bytes,
another turn or a malformed key are refused whole; another user's key never matches."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import httpx
import pytest

from tests.fixtures.api import PROBLEM
from tests.fixtures.factory import Factory
from tests.fixtures.server import LiveServer
from tests.photos.conftest import PhotoTeam, leftovers, photo_bytes, stored, upload

KEY = "5f0c9a1e-3b7d-4a52-9c1e-6d2f8b4a7e10"


def _counts(factory: Factory) -> list[tuple[int, int, int]]:
    return [
        tuple(row)
        for row in factory.query(
            "SELECT (SELECT count(*) FROM photos), (SELECT count(*) FROM photo_uploads),"
            " (SELECT count(*) FROM jobs.procrastinate_jobs WHERE task_name = 'photos.make_sizes')"
        )
    ]


def test_a_retry_with_the_same_key_gets_the_first_photo(
    http: httpx.Client, team: PhotoTeam, factory: Factory, photo_server: LiveServer
) -> None:
    body = photo_bytes()
    first = upload(http, team, "inspector", body, caption="Kitchen")
    assert first.status_code == 201, first.text  # without a key: an upload as ever
    headers = team.headers("inspector") | {"Idempotency-Key": KEY}
    path = f"/api/v1/turns/{team.turn}/photos"

    sent = http.post(path, content=body, params={"caption": "Hall"}, headers=headers)
    again = http.post(path, content=body, params={"caption": "Hall"}, headers=headers)

    assert (sent.status_code, again.status_code) == (201, 200), again.text
    assert again.json() == sent.json()
    assert sent.json()["id"] != first.json()["id"]
    assert _counts(factory) == [(2, 1, 2)]
    assert len(stored(photo_server)) == 2 and leftovers(photo_server) == []
    audits = "SELECT count(*) FROM audit_logs WHERE table_name = 'photos' AND action = 'CREATE'"
    assert factory.query(audits) == [(2,)]


def test_the_same_key_with_other_bytes_or_another_turn_is_refused(
    http: httpx.Client, team: PhotoTeam, factory: Factory, photo_server: LiveServer
) -> None:
    headers = team.headers("manager") | {"Idempotency-Key": KEY}
    sent = http.post(f"/api/v1/turns/{team.turn}/photos", content=photo_bytes(), headers=headers)
    assert sent.status_code == 201, sent.text

    other = http.post(f"/api/v1/turns/{team.turn}/photos", content=photo_bytes(size=(640, 480)), headers=headers)
    elsewhere = factory.turn(factory.property(team.manager))
    moved = http.post(f"/api/v1/turns/{elsewhere}/photos", content=photo_bytes(), headers=headers)

    for refused, detail in (
        (other, "this Idempotency-Key was sent with another photo: send a new photo under a new key"),
        (moved, "this Idempotency-Key was sent for a photo of another turn"),
    ):
        assert refused.status_code == 422 and refused.headers["content-type"] == PROBLEM, refused.text
        assert (refused.json()["detail"], refused.json()["fields"]) == (detail, ["Idempotency-Key"])
    assert _counts(factory) == [(1, 1, 1)]
    assert len(stored(photo_server)) == 1 and leftovers(photo_server) == []


def test_a_key_is_its_users_own(http: httpx.Client, team: PhotoTeam, factory: Factory) -> None:
    body = photo_bytes()
    path = f"/api/v1/turns/{team.turn}/photos"
    mine = http.post(path, content=body, headers=team.headers("manager") | {"Idempotency-Key": KEY})
    theirs = http.post(path, content=body, headers=team.headers("senior") | {"Idempotency-Key": KEY})
    assert (mine.status_code, theirs.status_code) == (201, 201), theirs.text
    assert mine.json()["id"] != theirs.json()["id"]
    assert _counts(factory) == [(2, 2, 2)]


def test_two_retries_at_once_add_one_photo(
    http: httpx.Client, team: PhotoTeam, factory: Factory, photo_server: LiveServer
) -> None:
    body = photo_bytes()
    start = Barrier(2)

    def send(_: int) -> httpx.Response:
        with httpx.Client(base_url=http.base_url, timeout=30) as own:
            start.wait()
            headers = team.headers("vendor") | {"Idempotency-Key": KEY}
            return own.post(f"/api/v1/turns/{team.turn}/photos", content=body, headers=headers)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(send, range(2)))

    assert sorted(a.status_code for a in answers) == [200, 201], [a.text for a in answers]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert _counts(factory) == [(1, 1, 1)]
    assert len(stored(photo_server)) == 1


@pytest.mark.parametrize("key", ["", "has space", "x" * 201])
def test_a_malformed_key_is_refused_before_anything_is_kept(
    http: httpx.Client, team: PhotoTeam, factory: Factory, photo_server: LiveServer, key: str
) -> None:
    headers = team.headers("manager") | {"Idempotency-Key": key}
    answer = http.post(f"/api/v1/turns/{team.turn}/photos", content=photo_bytes(), headers=headers)
    assert answer.status_code == 422 and answer.headers["content-type"] == PROBLEM, answer.text
    assert answer.json()["fields"] == ["Idempotency-Key"]
    assert _counts(factory) == [(0, 0, 0)]
    assert stored(photo_server) == [] and leftovers(photo_server) == []


def test_a_removed_photo_takes_its_key_with_it(http: httpx.Client, team: PhotoTeam, factory: Factory) -> None:
    headers = team.headers("manager") | {"Idempotency-Key": KEY}
    path = f"/api/v1/turns/{team.turn}/photos"
    first = http.post(path, content=photo_bytes(), headers=headers)
    assert first.status_code == 201, first.text

    removed = http.delete(f"/api/v1/photos/{first.json()['id']}", headers=team.headers("manager", None))

    assert removed.status_code == 204, removed.text
    assert _counts(factory)[0][:2] == (0, 0)
    again = http.post(path, content=photo_bytes(), headers=headers)
    assert again.status_code == 201 and again.json()["id"] != first.json()["id"], again.text
