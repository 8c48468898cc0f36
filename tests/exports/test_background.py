import os
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from tests.exports.conftest import RunningWorker
from tests.exports.helpers import read_csv, read_xlsx
from tests.fixtures.api import token
from tests.fixtures.factory import Factory
from tests.fixtures.server import LiveServer
from turns.app import create_app
from turns.config import Settings
from turns.db.urls import DatabaseUrls
from turns.exports.files import purge_old_files


def _wait_done(api: httpx.Client, location: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job: dict[str, Any] = api.get(location, headers=headers).json()
        if job["status"] in ("DONE", "FAILED"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"the export did not finish: {job}")


def test_background_export_end_to_end(
    api: httpx.Client, factory: Factory, job_worker: RunningWorker, data_dir: Path
) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    other = factory.user("PROPERTY_MANAGER")
    mine = sorted((factory.property(manager, market="Boise") for _ in range(3)), key=str)
    factory.property(other, market="Boise")
    headers = token(api, manager)

    queued = api.get(
        "/api/v1/exports/properties.xlsx",
        params={"market": "Boise", "background": "true", "raw": "true"},
        headers=headers,
    )

    assert queued.status_code == 202, queued.text
    body = queued.json()
    assert body["status"] in ("QUEUED", "RUNNING", "DONE")
    assert body["filters"] == {"market": "Boise", "raw": True}  # the job keeps its options among its filters
    location = queued.headers["location"]
    assert location == f"/api/v1/exports/jobs/{body['id']}"
    job = _wait_done(api, location, headers)
    assert job["status"] == "DONE", job
    assert (job["rows_total"], job["rows_written"]) == (3, 3)
    assert job["download_url"] == f"{location}/file"

    download = api.get(job["download_url"], headers=headers)

    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(download.content)
    assert sorted(row[0] for row in rows[1:]) == [str(p) for p in mine]  # the manager's homes only
    assert (data_dir / "exports" / f"{body['id']}.xlsx").is_file()
    assert factory.query(
        "SELECT table_name, record_id::text, metadata->>'background' FROM audit_logs"
        " WHERE action = 'EXPORT' AND user_id = %s",
        (manager.id,),
    ) == [("properties", body["id"], "true")]

    # Nobody else sees the job or its file.
    stranger = token(api, other)
    admin = token(api, factory.user("ADMIN"))
    for who in (stranger, admin):
        assert api.get(location, headers=who).status_code == 404
        assert api.get(job["download_url"], headers=who).status_code == 404
    assert api.get(location).status_code == 401

    # A week later the file is gone, and the download says so.
    file = data_dir / "exports" / f"{body['id']}.xlsx"
    os.utime(file, (time.time() - 8 * 86400, time.time() - 8 * 86400))
    assert purge_old_files(data_dir) == 1
    gone = api.get(job["download_url"], headers=headers)
    assert gone.status_code == 409
    assert "no longer available" in gone.json()["detail"]


@pytest.fixture
def limited_api(monkeypatch: pytest.MonkeyPatch, data_dir: Path, request: pytest.FixtureRequest) -> httpx.Client:
    """The client of a server that streams at most two rows (it reads the limit when it starts)."""
    monkeypatch.setenv("TURNS_EXPORT_STREAM_LIMIT", "2")
    client: httpx.Client = request.getfixturevalue("client")
    return client


def test_an_export_over_the_limit_runs_in_the_background(
    limited_api: httpx.Client, factory: Factory, job_worker: RunningWorker
) -> None:
    client = limited_api
    admin = factory.user("ADMIN")
    for _ in range(3):
        factory.vendor(city="Fargo", insurance_expiry=date(2027, 12, 31))
    headers = token(client, admin)

    small = client.get("/api/v1/exports/vendors.csv", params={"city": "Nowhere"}, headers=headers)
    large = client.get("/api/v1/exports/vendors.csv", params={"city": "Fargo", "date_format": "eu"}, headers=headers)

    assert small.status_code == 200
    assert large.status_code == 202
    job = _wait_done(client, large.headers["location"], headers)
    rows = read_csv(client.get(job["download_url"], headers=headers).content)
    assert len(rows) == 4
    assert {row[rows[0].index("City")] for row in rows[1:]} == {"Fargo"}
    assert {row[rows[0].index("Insurance expiry")] for row in rows[1:]} == {"31/12/2027"}


def test_a_queued_export_is_not_ready_and_its_job_waits_for_a_worker(api: httpx.Client, factory: Factory) -> None:
    admin = factory.user("ADMIN")
    headers = token(api, admin)

    queued = api.get("/api/v1/exports/audit.pdf", params={"background": "true"}, headers=headers)

    assert queued.status_code == 202
    job_id = queued.json()["id"]
    early = api.get(f"/api/v1/exports/jobs/{job_id}/file", headers=headers)
    assert early.status_code == 409
    assert early.headers["content-type"] == "application/problem+json"
    assert factory.query("SELECT task_name, status::text, args->>'export_id' FROM jobs.procrastinate_jobs") == [
        ("exports.run", "todo", job_id)
    ]
    assert api.get("/api/v1/exports/jobs/not-a-uuid", headers=headers).status_code == 422


class ServerWithWorker(LiveServer):
    """The live server as ``turns serve`` runs by default: with the job worker in its lifespan."""

    def __init__(self, urls: DatabaseUrls) -> None:
        super().__init__(urls)
        config = uvicorn.Config(
            create_app(Settings.from_env(), urls), host="127.0.0.1", port=self.port, log_config=None, lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)


def test_the_api_process_runs_jobs_itself(db: DatabaseUrls, data_dir: Path, factory: Factory) -> None:
    admin = factory.user("ADMIN")
    factory.vendor(city="Minot")
    server = ServerWithWorker(db)
    server.start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            headers = token(client, admin)
            queued = client.get("/api/v1/exports/vendors.csv", params={"background": "true"}, headers=headers)
            job = _wait_done(client, queued.headers["location"], headers)
            rows = read_csv(client.get(job["download_url"], headers=headers).content)
    finally:
        server.stop()
    assert job["status"] == "DONE"
    assert [row[rows[0].index("City")] for row in rows[1:]] == ["Minot"]
