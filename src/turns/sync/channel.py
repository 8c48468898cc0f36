"""The sync engine's own process and the API workers that serve its logs.

``turns sync`` runs the engine (:class:`~turns.sync.engine.SyncEngine`) alone; each API
worker (``turns serve --workers N``) serves ``/v1/shape`` straight from the engine's shape
logs and catalog (files and SQLite, which any process on the machine can read), and asks
the engine, over a Unix socket beside the logs, only for what changes them: a new shape,
a subset (read between steps), a removal. After every step the engine tells each worker,
on the same socket, which shapes' logs grew and how far the logs have reached; a worker
wakes its own held long-polls and streams. One message per step per worker, whatever the
number of clients: the database is never polled for changes by a worker.

The socket carries JSON lines. A worker asks ``{"ask": n, "op": ..., ...}`` and is answered
``{"reply": n, ...}`` (or ``{"reply": n, "error": kind, "message": ...}``); the engine
tells ``{"changed": [shape ids], "lsn": n}`` and ``{"users": [user ids]}`` unasked. A worker
whose engine is gone (restarting) answers 503 until it is back; its held requests wake and
answer what the logs hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import structlog

from turns.db.engines import Database
from turns.sync.answers import Answers
from turns.sync.engine import NotReady, ShapeQueryError, StaleUser, SubsetRows, SyncEngine
from turns.sync.offsets import Offset
from turns.sync.reach import shape_key
from turns.sync.schemas import Schemas
from turns.sync.shapes import ShapeDefinition
from turns.sync.store import Store, StoredShape
from turns.sync.subsets import Subset
from turns.sync.waiters import Waiters

log = structlog.get_logger(__name__)

_LINE_LIMIT = 64 * 1024 * 1024
"""The longest line: a subset's answer (at most 10,000 rows)."""
_RETRY_SECONDS = 0.2
_BACKLOG_BYTES = 16 * 1024 * 1024
"""What the engine holds for a worker that does not read its messages before it lets the worker go."""
_USED_SECONDS = 30.0
"""How often a worker tells the engine which shapes it served (so none is removed as unused)."""
_ERRORS: dict[str, type[Exception]] = {"query": ShapeQueryError, "stale": StaleUser, "not_ready": NotReady}


def socket_path(folder: Path) -> Path:
    """The engine's socket beside its logs, or under the temporary folder when that path is too
    long for a Unix socket (about 100 bytes)."""
    path = folder / "engine.sock"
    if len(str(path)) < 100:
        return path
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"turns-sync-{digest}.sock"


def _line(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


class EngineServer:
    """The engine's side of the socket: answers the workers' questions, tells them every step."""

    def __init__(self, engine: SyncEngine, path: Path) -> None:
        self.engine = engine
        self.path = path
        self.writers: set[asyncio.StreamWriter] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        engine.subscribers.append(self._changed)
        told = engine.users_changed

        def users_changed(users: set[str]) -> None:
            told(users)
            self._tell({"users": sorted(users)})

        engine.users_changed = users_changed

    async def run(self, stop: asyncio.Event) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        server = await asyncio.start_unix_server(self._serve, path=str(self.path), limit=_LINE_LIMIT)
        self.path.chmod(0o600)
        log.info("sync_socket_listening", path=str(self.path))
        try:
            await stop.wait()
        finally:
            server.close()
            for writer in list(self.writers):
                writer.close()
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    def _changed(self, shapes: list[int], lsn: int) -> None:
        self._tell({"changed": shapes, "lsn": lsn})

    def _tell(self, message: dict[str, Any]) -> None:
        line = _line(message)
        for writer in list(self.writers):
            if writer.is_closing():
                self.writers.discard(writer)
            elif writer.transport.get_write_buffer_size() > _BACKLOG_BYTES:
                # A worker that stopped reading: let it go rather than hold its messages without end
                # (it connects again and wakes every request it holds).
                log.warning("sync_worker_not_reading", backlog=writer.transport.get_write_buffer_size())
                self.writers.discard(writer)
                writer.close()
            else:
                writer.write(line)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.add(writer)
        if self.engine.ready.is_set():
            writer.write(_line({"changed": [], "lsn": self.engine.last_lsn}))
        try:
            while line := await reader.readline():
                task = asyncio.create_task(self._answer(json.loads(line), writer))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
        except (ConnectionError, ValueError, asyncio.LimitOverrunError) as exc:
            log.warning("sync_worker_dropped", error=str(exc))
        finally:
            self.writers.discard(writer)
            writer.close()

    async def _answer(self, asked: dict[str, Any], writer: asyncio.StreamWriter) -> None:
        reply: dict[str, Any] = {"reply": asked.get("ask")}
        try:
            reply.update(await self._do(asked))
        except ShapeQueryError as exc:
            reply.update(error="query", message=str(exc))
        except StaleUser as exc:
            reply.update(error="stale", message=str(exc))
        except NotReady:
            reply.update(error="not_ready", message="sync is not ready")
        except Exception as exc:  # the worker answers 503; the engine keeps serving the others
            log.warning("sync_ask_failed", op=asked.get("op"), error=str(exc), exc_info=True)
            reply.update(error="not_ready", message=str(exc))
        if asked.get("ask") is not None and not writer.is_closing():
            writer.write(_line(reply))

    async def _do(self, asked: dict[str, Any]) -> dict[str, Any]:
        engine, op = self.engine, asked.get("op")
        if op == "used":
            for shape_id in asked["shapes"]:
                engine.touch(int(shape_id))
            return {}
        if not engine.ready.is_set():
            raise NotReady
        if op == "shape":
            shape = await engine.shape_for(ShapeDefinition.from_dict(asked["definition"]))
            return {"handle": shape.handle}
        if op == "drop":
            await engine.drop(int(asked["shape"]))
            return {}
        if op == "subset":
            subset = Subset(**{**asked["subset"], "where_values": _pairs(asked["subset"]["where_values"])})
            found = await engine.subset(int(asked["shape"]), ShapeDefinition.from_dict(asked["definition"]), subset)
            if found is None:
                return {"gone": True}
            return {
                "head": [found.head.tx, found.head.op],
                "rows": found.rows,
                "matched": found.matched,
                "metadata": found.metadata,
            }
        raise ValueError(f"unknown operation {op!r}")


def _pairs(values: list[list[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in values)


class RemoteEngine:
    """A worker's engine: the logs read here, everything else asked of the engine's process.

    It offers what the shape endpoints use of :class:`~turns.sync.engine.SyncEngine`."""

    def __init__(self, database: Database, folder: Path) -> None:
        self.reads = Store(folder)
        self.path = socket_path(folder)
        self.schemas = Schemas(database.primary)
        self.ready = asyncio.Event()
        self.last_lsn = 0
        self.waiters = Waiters()
        self.answers = Answers(self.reads, self.waiters, lambda: self.last_lsn)
        self.users_changed: Callable[[set[str]], None] = lambda users: None
        self.used: set[int] = set()
        self.asked = 0
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.writer: asyncio.StreamWriter | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Stay connected to the engine until ``stop``; while it is away, answer not ready."""
        reporter = asyncio.create_task(self._report_used(stop))
        try:
            while not stop.is_set():
                try:
                    reader, writer = await asyncio.open_unix_connection(str(self.path), limit=_LINE_LIMIT)
                except OSError:
                    await _sleep(stop, _RETRY_SECONDS)
                    continue
                self.writer = writer
                try:
                    await _until(stop, self._listen(reader))
                finally:
                    self._lost(writer)
        finally:
            reporter.cancel()
            self.reads.close()

    async def _listen(self, reader: asyncio.StreamReader) -> None:
        while line := await reader.readline():
            message = json.loads(line)
            if "reply" in message:
                future = self.pending.pop(message["reply"], None)
                if future is not None and not future.done():
                    future.set_result(message)
            elif "changed" in message:
                self.last_lsn = max(self.last_lsn, int(message["lsn"]))
                self.ready.set()
                self.waiters.wake(message["changed"])
            elif "users" in message:
                self.users_changed(set(message["users"]))

    def _lost(self, writer: asyncio.StreamWriter) -> None:
        """The engine went away: answer not ready, and wake every held request (its shape may be
        gone when the engine is back; it answers what the logs hold, and asks again)."""
        self.writer = None
        writer.close()
        self.ready.clear()
        for future in self.pending.values():
            if not future.done():
                future.set_exception(NotReady())
        self.pending.clear()
        self.waiters.wake_all()

    async def _ask(self, op: str, **fields: Any) -> dict[str, Any]:
        if self.writer is None:
            raise NotReady
        self.asked += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[self.asked] = future
        self.writer.write(_line({"ask": self.asked, "op": op, **fields}))
        reply = await future
        if "error" in reply:
            if reply["error"] == "not_ready":
                self.ready.clear()
            raise _ERRORS[reply["error"]](reply.get("message", ""))
        return reply

    # -- what the shape endpoints use --
    async def shape_for(self, definition: ShapeDefinition) -> StoredShape:
        found = self.reads.by_key(shape_key(definition))
        if found is not None:
            return found
        reply = await self._ask("shape", definition=definition.as_dict())
        shape = self.reads.by_handle(reply["handle"])
        if shape is None:  # removed as soon as made: the engine makes it again
            raise NotReady
        return shape

    async def subset(self, shape_id: int, definition: ShapeDefinition, subset: Subset) -> SubsetRows | None:
        reply = await self._ask("subset", shape=shape_id, definition=definition.as_dict(), subset=asdict(subset))
        if reply.get("gone"):
            return None
        rows = [(str(key), str(value)) for key, value in reply["rows"]]
        return SubsetRows(Offset(*reply["head"]), rows, int(reply["matched"]), reply["metadata"])

    async def schema(self, definition: ShapeDefinition) -> str:
        """The ``electric-schema`` header of ``definition``."""
        return await self.schemas.of(definition)

    async def drop(self, shape_id: int) -> None:
        await self._ask("drop", shape=shape_id)

    def touch(self, shape_id: int) -> None:
        self.used.add(shape_id)

    async def _report_used(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await _sleep(stop, _USED_SECONDS)
            used, self.used = self.used | self.waiters.shapes(), set()
            if used and self.writer is not None:
                self.writer.write(_line({"op": "used", "shapes": sorted(used)}))


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def _until(stop: asyncio.Event, work: Any) -> None:
    """Run ``work`` until it ends or ``stop`` is set."""
    task = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait([task, stopping], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pending in (task, stopping):
            pending.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError, ValueError):
            await task


Engine = SyncEngine | RemoteEngine
"""What serves ``/v1/shape`` in a process: the engine itself, or a worker's view of it."""
