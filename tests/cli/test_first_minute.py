"""A newcomer's first minute: ``turns up`` says where to sign in once the server listens (and
stops the database it started when it is stopped), and ``turns users reset-password`` gives a
forgotten demo password back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.cli.test_cli import assert_clear_failure, environment, run_all
from tests.fixtures.factory import Factory, bearer, login
from turns.config import Settings, local_url
from turns.db.embedded import EmbeddedPostgres, free_port
from turns.db.urls import DatabaseUrls


def test_up_ends_with_the_demo_users_and_where_to_sign_in_once_it_listens(db: DatabaseUrls, tmp_path: Path) -> None:
    port = free_port()
    env = environment(tmp_path, db.owner, db.app) | {
        "TURNS_PORT": str(port),
        "TURNS_RUN_WORKER": "false",
        "TURNS_SYNC": "false",
    }
    with _up(env) as (proc, lines):
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200  # said once it answers
        os.kill(proc.pid, signal.SIGINT)
    assert (
        lines[-1].strip() == f"Open http://127.0.0.1:{port} and sign in as manager@demo.turns.dev (property manager)."
    )
    listed = [line.split() for line in lines if "@demo.turns.dev" in line and not line.startswith("Open ")]
    assert [(role, email) for role, email, _password in listed][:3] == [
        ("SUPER_ADMIN", "superadmin@demo.turns.dev"),
        ("ADMIN", "admin@demo.turns.dev"),
        ("PROPERTY_MANAGER", "manager@demo.turns.dev"),
    ]
    assert len(listed) == 9
    first_credential = next(i for i, line in enumerate(lines) if "@demo.turns.dev" in line)
    assert any("Uvicorn running" in line or "startup" in line.lower() for line in lines[:first_credential]), lines


@contextmanager
def _up(env: dict[str, str], *args: str) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """``turns up ARGS`` until it says where to sign in (its lines so far); the block stops it, or
    it is interrupted once the block ends."""
    lines: list[str] = []
    with subprocess.Popen(
        [sys.executable, "-m", "turns", "up", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as proc:
        try:
            deadline = time.monotonic() + 120
            assert proc.stdout is not None
            while time.monotonic() < deadline:
                line = proc.stdout.readline()
                assert line, "turns up stopped:\n" + "".join(lines)
                lines.append(line)
                if line.startswith("Open "):
                    break
            yield proc, lines
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGINT)
            proc.wait(timeout=60)


def test_up_stopped_with_sigterm_stops_the_database_it_started(tmp_path: Path) -> None:
    """A service manager (or ``kill``) stops ``turns up`` with SIGTERM: the embedded PostgreSQL it
    started stops with it, as on Ctrl-C."""
    env = environment(tmp_path, None, None) | {
        "TURNS_PORT": str(free_port()),
        "TURNS_SYNC": "false",
        "TURNS_WORKERS": "1",
    }
    with _up(env, "--no-demo") as (proc, lines):
        server = EmbeddedPostgres(Path(env["TURNS_DATA_DIR"]))
        assert server.is_running(), lines
        os.kill(proc.pid, signal.SIGTERM)
        code = proc.wait(timeout=60)
    left_running = server.is_running()
    if left_running:
        server.stop()  # (not left behind by a failing run)
    assert (code, left_running) == (128 + signal.SIGTERM, False)


def test_the_public_url_follows_the_host_and_port_unless_set() -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TURNS_")}
    cases = [
        ({}, "http://127.0.0.1:8000"),
        ({"TURNS_PORT": "9001"}, "http://127.0.0.1:9001"),
        ({"TURNS_HOST": "10.1.2.3", "TURNS_PORT": "8080"}, "http://10.1.2.3:8080"),
        ({"TURNS_HOST": "0.0.0.0"}, "http://127.0.0.1:8000"),
        ({"TURNS_HOST": "::1"}, "http://[::1]:8000"),
        ({"TURNS_PORT": "9001", "TURNS_PUBLIC_URL": "https://turns.example.com"}, "https://turns.example.com"),
    ]
    for extra, expected in cases:
        saved = dict(os.environ)
        try:
            os.environ.clear()
            os.environ.update(base | extra)
            assert Settings.from_env().public_url == expected, extra
        finally:
            os.environ.clear()
            os.environ.update(saved)
    assert local_url("localhost", 80) == "http://localhost:80"


def test_reset_password_prints_a_new_one_and_ends_the_sessions(
    db: DatabaseUrls, factory: Factory, client: httpx.Client, tmp_path: Path
) -> None:
    user = factory.user("PROPERTY_MANAGER", email="forgetful@example.com")
    old_token = login(client, user)
    assert client.get("/api/v1/auth/me", headers=bearer(old_token)).status_code == 200
    env = environment(tmp_path, db.owner, db.app)

    reset, unknown = run_all(
        (env, ["users", "reset-password", "Forgetful@Example.com"]),
        (env, ["users", "reset-password", "nobody@example.com"]),
    )

    assert reset.returncode == 0, reset.stderr
    first, second = reset.stdout.splitlines()[:2]
    assert first.startswith("new password for forgetful@example.com: ")
    password = first.rsplit(" ", 1)[1]
    assert len(password) >= 12 and "ended" in second
    client.cookies.clear()
    assert client.get("/api/v1/auth/me", headers=bearer(old_token)).status_code == 401
    assert login(client, user, password)
    assert_clear_failure(unknown, "no user has the e-mail 'nobody@example.com'")
