"""``turns serve`` and ``turns up``."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import typer
import uvicorn
from uvicorn.supervisors import Multiprocess

from turns.cli.backups import branch_data_dir
from turns.cli.common import clear_errors, settings, urls
from turns.cli.companions import companions
from turns.cli.seed import print_credentials
from turns.config import check_test_mode, local_url
from turns.db import migrate
from turns.db.urls import embedded_server
from turns.kit import logging
from turns.kit.memory import ARENAS, limit_arenas
from turns.kit.supervision import METRICS_DIR
from turns.seed.demo import DEMO_DOMAIN, Credential, demo_loaded, seed_demo

FIRST_USER = ("PROPERTY_MANAGER", f"manager@{DEMO_DOMAIN}")
"""Whom a newcomer signs in as first: the manager, whose board shows every stage."""


class _AnnouncingServer(uvicorn.Server):
    """A uvicorn server that calls ``announce`` once it listens, after its own log lines."""

    def __init__(self, config: uvicorn.Config, announce: Callable[[], None]) -> None:
        super().__init__(config)
        self.announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and not self.should_exit:
            self.announce()


def _serve(
    host: str | None, port: int | None, workers: int | None, announce: Callable[[str], None] | None = None
) -> None:
    s = settings()
    # TURNS_PUBLIC_URL (by default the address of TURNS_HOST and TURNS_PORT), unless the command
    # names another host or port.
    url = s.public_url if host is None and port is None else local_url(host or s.host, port or s.port)
    host, port = host or s.host, port or s.port
    workers = max(1, workers or (1 if s.sync_test_schema else s.workers))
    with clear_errors():
        check_test_mode(s, host, workers)
    config = uvicorn.Config(
        "turns.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,  # the app logs each request itself (turns.kit.requests), with its id
        proxy_headers=False,  # the app believes X-Forwarded-For only from TURNS_TRUSTED_PROXIES
    )
    if workers == 1:
        limit_arenas()
        _AnnouncingServer(config, lambda: announce(url) if announce else None).run()
        return
    os.environ.setdefault("MALLOC_ARENA_MAX", str(ARENAS))  # what limit_arenas sets, for the workers
    logging.configure(s.log_level)
    with companions(s), shared_metrics(s.data_dir):
        sock = config.bind_socket()
        if announce:
            health = local_url(host, port) + "/healthz"
            threading.Thread(target=_announce_when_answering, args=(health, lambda: announce(url)), daemon=True).start()
        Multiprocess(config, sockets=[sock]).run()


@contextlib.contextmanager
def shared_metrics(data_dir: Path) -> Iterator[None]:
    """A fresh folder where the workers keep their Prometheus figures, so that any of them reports
    them all (see :mod:`turns.monitoring.metrics`); removed when the server stops."""
    folder = data_dir / "run" / f"metrics-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ[METRICS_DIR] = str(folder)
    try:
        yield
    finally:
        os.environ.pop(METRICS_DIR, None)
        shutil.rmtree(folder, ignore_errors=True)


def _announce_when_answering(health: str, announce: Callable[[], None], seconds: float = 300.0) -> None:
    """Call ``announce`` once a worker answers ``health`` (the workers start after the socket is bound)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(health, timeout=5) as answer:  # noqa: S310 (our own address)
                if answer.status == 200:
                    announce()
                    return
        except OSError:
            pass
        time.sleep(0.1)


def first_steps(url: str, credentials: list[Credential], demo: bool) -> None:
    """What a newcomer reads last: the demo users (when just loaded) and where to sign in."""
    if credentials:
        print_credentials([(c.email, c.role, c.password) for c in credentials])
    role, email = FIRST_USER
    if not demo:
        typer.secho(f"Open {url} and sign in.", bold=True)
    elif credentials:
        typer.secho(f"Open {url} and sign in as {email} ({role.replace('_', ' ').lower()}).", bold=True)
    else:
        typer.secho(
            f"Open {url} and sign in as {email} (password lost? `turns users reset-password {email}`).", bold=True
        )


app = typer.Typer()


_WORKERS = typer.Option(None, help="API worker processes (TURNS_WORKERS; default: the number of cores).")


def _terminated(signum: int, frame: FrameType | None) -> None:
    """SIGTERM (a service manager's stop, ``kill``) ends ``turns up`` as Ctrl-C does: through its
    ``finally``, which stops the embedded database it started. Python's own answer to SIGTERM ends
    the process on the spot, and uvicorn, once it has stopped serving, sends itself the signal it
    stopped for."""
    raise SystemExit(128 + signum)


@app.command("serve")
def serve(
    host: str | None = typer.Option(None), port: int | None = typer.Option(None), workers: int | None = _WORKERS
) -> None:
    """Run the API server (starts the embedded database if it is the one configured)."""
    urls()
    _serve(host, port, workers)


@app.command("up")
def up(
    host: str | None = typer.Option(None),
    port: int | None = typer.Option(None),
    demo: bool = typer.Option(True, help="Load the demo data set when the database has none."),
    branch: str | None = typer.Option(None, "--branch", help="Run on a branch (`turns db branch create`)."),
    workers: int | None = _WORKERS,
) -> None:
    """Everything at once: database, migrations, demo data, API server."""
    signal.signal(signal.SIGTERM, _terminated)
    if branch is not None:
        os.environ["TURNS_DATA_DIR"] = str(branch_data_dir(branch))
    s = settings()
    started_here = s.embedded and not embedded_server(s).is_running()
    resolved = urls()
    credentials: list[Credential] = []
    try:
        with clear_errors():
            migrate.upgrade(resolved.owner)
            if demo and not demo_loaded(resolved.owner):
                credentials = seed_demo(resolved.owner, photo_store=s.photo_store_url)
            has_demo = demo_loaded(resolved.owner)
        _serve(host, port, workers, lambda url: first_steps(url, credentials, has_demo))
    finally:
        if started_here:
            embedded_server(s).stop()
