"""The processes ``turns serve --workers N`` runs beside its API workers.

With several API workers, the work that must run once per deployment leaves them: the sync
engine (``turns sync``, whose logs every worker serves) and the background work
(``turns worker``: e-mail, jobs). Each runs as a child process of the server, started
again if it exits while the server runs (``kill -9`` of the engine: its clients wait on
503s for a moment, then carry on from their offsets), and stopped with the server.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator

import structlog

from turns.config import Settings
from turns.kit.supervision import supervised_environment

log = structlog.get_logger(__name__)

_RESTART_SECONDS = 1.0
_STOP_SECONDS = 10.0


class Companion:
    """One ``turns`` command run as a child, started again whenever it exits until :meth:`stop`."""

    def __init__(self, command: str, environment: dict[str, str]) -> None:
        self.command = command
        self.environment = environment
        self.process: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._keep, name=f"turns-{command}", daemon=True)

    def start(self) -> None:
        self.process = self._spawn()
        self.thread.start()

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "turns", self.command], env=self.environment)

    def _keep(self) -> None:
        while not self.stopping.is_set():
            assert self.process is not None
            code = self.process.wait()
            if self.stopping.wait(_RESTART_SECONDS):
                return
            log.warning("companion_restarted", command=self.command, exit_code=code)
            self.process = self._spawn()

    def stop(self) -> None:
        self.stopping.set()
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def companions(settings: Settings) -> Iterator[list[Companion]]:
    """Start the sync engine and the background work as children (those this configuration runs),
    and set this process's environment so that the API workers it spawns run neither."""
    environment = dict(os.environ)
    os.environ.update(supervised_environment())
    children = dict(os.environ)
    started: list[Companion] = []
    if settings.sync and not settings.electric_url and not settings.sync_remote:
        started.append(Companion("sync", children))
        os.environ["TURNS_SYNC_REMOTE"] = "true"
    if settings.run_worker:
        started.append(Companion("worker", children))
        os.environ["TURNS_RUN_WORKER"] = "false"
    try:
        for companion in started:
            companion.start()
        yield started
    finally:
        for companion in started:
            companion.stop()
        os.environ.clear()
        os.environ.update(environment)
