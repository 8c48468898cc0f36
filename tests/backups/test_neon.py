"""The Neon commands against an HTTP server that implements the contract of Neon's branch endpoints.

The server answers as Neon's API v2 documents: ``POST /projects/{id}/branches`` with
``branch`` (``name``, ``parent_timestamp``) and ``endpoints`` returns the branch, its
endpoints and ``connection_uris``; ``GET /projects/{id}/branches`` lists ``branches``;
``DELETE /projects/{id}/branches/{branch_id}`` returns the deleted ``branch``. It checks
the bearer key and the request bodies, so a wrong request fails the test.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from tests.backups.conftest import run_turns

KEY, PROJECT = "neon-test-key", "calm-sun-123456"


class FakeNeon(BaseHTTPRequestHandler):
    branches: ClassVar[list[dict[str, Any]]] = []
    requests: ClassVar[list[tuple[str, str, Any]]] = []

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") != f"Bearer {KEY}":
            self._answer(401, {"code": "", "message": "authentication required"})
            return False
        return True

    def do_GET(self) -> None:
        if not self._authorised():
            return
        self.requests.append(("GET", self.path, None))
        if self.path == f"/api/v2/projects/{PROJECT}/branches":
            self._answer(200, {"branches": self.branches, "annotations": {}})
        else:
            self._answer(404, {"code": "", "message": "not found"})

    def do_POST(self) -> None:
        if not self._authorised():
            return
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append(("POST", self.path, body))
        spec = body.get("branch", {})
        if any(b["name"] == spec.get("name") for b in self.branches):
            self._answer(409, {"code": "", "message": "branch with that name already exists"})
            return
        n = len(self.branches) + 1
        branch = {
            "id": f"br-test-{n}",
            "project_id": PROJECT,
            "parent_id": "br-main-1",
            "name": spec["name"],
            "current_state": "init",
            "created_at": "2026-12-06T10:15:00Z",
        }
        if "parent_timestamp" in spec:
            branch["parent_timestamp"] = spec["parent_timestamp"]
        self.branches.append(branch)
        endpoints = [
            {"id": f"ep-{kind}-{n}", "host": f"ep-{kind}-{n}.us-east-2.aws.neon.tech", "type": e["type"]}
            for kind, e in zip(("rw", "ro"), body.get("endpoints", []), strict=False)
        ]
        host = endpoints[0]["host"]
        uri = f"postgresql://neondb_owner:owner-secret@{host}/neondb?sslmode=require"
        self._answer(
            201,
            {
                "branch": branch,
                "endpoints": endpoints,
                "operations": [{"id": "op-1", "action": "create_branch", "status": "running"}],
                "roles": [{"branch_id": branch["id"], "name": "neondb_owner", "protected": False}],
                "databases": [{"id": 1, "branch_id": branch["id"], "name": "neondb", "owner_name": "neondb_owner"}],
                "connection_uris": [
                    {
                        "connection_uri": uri,
                        "connection_parameters": {
                            "database": "neondb",
                            "password": "owner-secret",
                            "role": "neondb_owner",
                            "host": host,
                            "pooler_host": host.replace(".", "-pooler.", 1),
                        },
                    }
                ],
            },
        )

    def do_DELETE(self) -> None:
        if not self._authorised():
            return
        self.requests.append(("DELETE", self.path, None))
        branch_id = self.path.rsplit("/", 1)[-1]
        found = [b for b in self.branches if b["id"] == branch_id]
        if not found:
            self._answer(404, {"code": "", "message": "branch not found"})
            return
        self.branches.remove(found[0])
        self._answer(200, {"branch": found[0], "operations": []})


@pytest.fixture
def neon_env() -> Iterator[dict[str, str | None]]:
    FakeNeon.branches, FakeNeon.requests = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNeon)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {
            "NEON_API_KEY": KEY,
            "NEON_PROJECT_ID": PROJECT,
            "NEON_API_URL": f"http://127.0.0.1:{server.server_address[1]}/api/v2",
            "TURNS_APP_PASSWORD": "app-secret",
            "DATABASE_URL": "postgresql://neondb_owner:owner-secret@ep-main.us-east-2.aws.neon.tech/neondb",
        }
    finally:
        server.shutdown()
        server.server_close()


def test_branch_create_prints_the_urls_turns_is_configured_with(neon_env: dict[str, str | None]) -> None:
    result = run_turns(["db", "branch", "create", "preview-42"], neon_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "DATABASE_URL=postgresql://neondb_owner:owner-secret@ep-rw-1.us-east-2.aws.neon.tech/neondb?sslmode=require",
        "DATABASE_POOLED_URL=postgresql://turns_app:app-secret@ep-rw-1-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require",
        "NEON_READ_REPLICA_URL=postgresql://turns_app:app-secret@ep-ro-1.us-east-2.aws.neon.tech/neondb?sslmode=require",
    ]
    assert FakeNeon.requests == [
        (
            "POST",
            f"/api/v2/projects/{PROJECT}/branches",
            {"branch": {"name": "preview-42"}, "endpoints": [{"type": "read_write"}, {"type": "read_only"}]},
        )
    ]


def test_restore_to_a_time_is_a_branch_at_that_time(neon_env: dict[str, str | None]) -> None:
    result = run_turns(["db", "restore", "--to", "2026-12-06 10:15+00:00"], neon_env)
    assert result.returncode == 0, result.stderr
    method, _, body = FakeNeon.requests[-1]
    assert (method, body["branch"]) == (
        "POST",
        {"name": "restore-20261206-101500", "parent_timestamp": "2026-12-06T10:15:00Z"},
    )
    assert result.stdout.startswith("DATABASE_URL=postgresql://neondb_owner:owner-secret@ep-rw-1.")
    switched = run_turns(["db", "restore", "--to", "2026-12-06 10:15+00:00", "--switch"], neon_env)
    assert switched.returncode == 1 and "--switch is not done on Neon" in switched.stderr


def test_branch_list_and_delete(neon_env: dict[str, str | None]) -> None:
    for name in ("one", "two"):
        assert run_turns(["db", "branch", "create", name], neon_env).returncode == 0
    listed = run_turns(["db", "branch", "list"], neon_env)
    assert [line.split()[:2] for line in listed.stdout.splitlines()] == [["one", "br-test-1"], ["two", "br-test-2"]]
    assert run_turns(["db", "branch", "delete", "one"], neon_env).returncode == 0
    assert FakeNeon.requests[-1][:2] == ("DELETE", f"/api/v2/projects/{PROJECT}/branches/br-test-1")
    assert [b["name"] for b in FakeNeon.branches] == ["two"]
    missing = run_turns(["db", "branch", "delete", "one"], neon_env)
    assert missing.returncode == 1 and "no Neon branch named 'one'" in missing.stderr


def test_neon_refusals_are_clear_errors(neon_env: dict[str, str | None]) -> None:
    assert run_turns(["db", "branch", "create", "dup"], neon_env).returncode == 0
    again = run_turns(["db", "branch", "create", "dup"], neon_env)
    assert again.returncode == 1
    assert again.stderr.startswith("error: Neon's API answered 409: branch with that name already exists")
    wrong_key = run_turns(["db", "branch", "list"], {**neon_env, "NEON_API_KEY": "wrong"})
    assert wrong_key.returncode == 1 and "401: authentication required" in wrong_key.stderr
