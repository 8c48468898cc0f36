"""The sync engine: keeps every shape's log in step with the database.

One loop reads committed transactions from the slot (:mod:`turns.sync.capture`). For
each shape a step may concern, it reads the shape's rows again *as the shape's user*
(the application role, RLS, the user's columns): only the changed keys when the rows
themselves changed, every row when the step moved rows in or out of the user's reach
(a property reassigned, a turn given to another vendor; see :func:`needs_full_read`).
What differs from the rows the shape holds becomes inserts, updates and deletes in its
log. Each transaction is a step of its own, at its commit LSN, so a client applies a
transaction whole and sees every transaction that changed a row; the reads of the
transactions decoded together share one snapshot. A step is on disk before the slot is advanced past it; replaying a
step after a crash finds nothing new to log, so clients see no duplicate.

New shapes are snapshotted under the same lock as steps, so a transaction is either in a
shape's snapshot or decoded after it: no gap. Subset snapshots are read under it too, and
each step's messages carry the step's own transaction id, which is what lets a client drop
the messages a subset already holds (see :meth:`SyncEngine.subset`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit
from uuid import UUID

import psycopg
import sqlalchemy.exc
import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.actions import is_vendor
from turns.access.roles import MANAGERS
from turns.config import Settings
from turns.db.context import SET_CONTEXT_SQL, Actor
from turns.db.engines import Database
from turns.sync import logfile
from turns.sync.answers import Answers
from turns.sync.capture import Batch, Capture, SlotLost
from turns.sync.catalog import describe, described, known, owner_url
from turns.sync.changes import diff
from turns.sync.membership import plan
from turns.sync.offsets import Offset
from turns.sync.protocol import dumps, row_key, snapshot_end, snapshot_fields
from turns.sync.reach import Managers, Router, shape_key
from turns.sync.schemas import Schemas
from turns.sync.shapes import FORMAT_SQL, MOVE_WITH_THEIR_TURN, ShapeDefinition
from turns.sync.store import Appended, Snapshot, Store, StoredShape
from turns.sync.subsets import Subset
from turns.sync.waiters import Waiters

log = structlog.get_logger(__name__)

_SET_CONTEXT = text(SET_CONTEXT_SQL.replace("%(", ":").replace(")s", ""))
_REPEATABLE_READ = text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
_FORMATS = text(FORMAT_SQL)
_SNAPSHOT = text("SELECT CAST(pg_current_snapshot() AS text)")
# A step's own transaction id, after every transaction it decoded; listed in its messages'
# txids, it tells a subset snapshot (taken between steps) which steps it already contains.
# The id costs a commit record, which need not wait for the disk.
_STEP_XID = text("SELECT CAST(pg_current_xact_id() AS text), set_config('synchronous_commit', 'off', true)")
_USER_NOW = text("SELECT CAST(role AS text), CAST(vendor_id AS text), is_active FROM users WHERE id = :id")
_SUBSET_TIMEOUT = text("SELECT set_config('statement_timeout', '5s', true)")  # it holds the engine's lock
_WRITE_BYTES = 1 << 20
WAKE_CHANNEL = "turns_sync"
"""What the synced tables' triggers notify at commit (migration 0029)."""
STOP_GRACE = 5.0
"""Seconds a step may go on once the engine is told to stop (see :meth:`SyncEngine.run`)."""
_BY_INVITATION = ("bid_requests", "bid_request_lines")
"""What a vendor user reads of the requests its company is invited to (migration 0021)."""
CATCH_UP_SECONDS = 30.0
"""How long a subset waits for the stream to bring every transaction committed before it."""


class ShapeQueryError(ValueError):
    """PostgreSQL refused the shape's query (e.g. a where clause comparing a number to text)."""


class NotReady(Exception):
    """The engine lost its place (the slot or the database went away) and is starting again."""


class StaleUser(Exception):
    """The user's role, company or active flag is no longer what the request was signed in with."""


@dataclass(frozen=True)
class SubsetRows:
    head: Offset
    rows: list[tuple[str, str]]
    """(key, value as JSON) in the subset's order."""
    matched: int
    """How many rows the subset's query matched (some may have entered the shape after its head)."""
    metadata: dict[str, Any]


@dataclass(frozen=True)
class EngineOptions:
    folder: Path
    slot: str
    chunk_bytes: int = 1_000_000
    poll_seconds: float = 0.05
    shape_ttl_seconds: float = 72 * 3600
    gc_seconds: float = 60.0


def needs_full_read(definition: ShapeDefinition, batch: Batch) -> bool:
    """Whether ``batch`` may have moved rows of *other* keys in or out of this user's reach.

    The RLS policies (migrations 0002, 0018, 0019, 0022) make a manager's turns, and the rows that
    belong to them (:data:`MOVE_WITH_THEIR_TURN`: stage history, scope lines, photos, vendor visits), depend
    on which properties they manage, and a vendor user's properties and those rows on which
    turns are assigned to their company (and its bid requests on its invitations); a turn moved
    to another property changes whose rows they are. Admins, approvers and inspectors read every
    row: nothing moves.
    """
    properties = batch.reassigned.get("properties", set())
    turns = batch.reassigned.get("turns", set())
    if definition.role in MANAGERS:
        if definition.table in ("turns", *MOVE_WITH_THEIR_TURN) and definition.user_id in properties:
            return True
        return definition.table in MOVE_WITH_THEIR_TURN and bool(turns)
    if is_vendor(definition.role) and definition.table in ("properties", *MOVE_WITH_THEIR_TURN):
        invited = definition.vendor_id in batch.reassigned.get("bids", set())
        return definition.vendor_id in turns or (invited and definition.table in _BY_INVITATION)
    return False


class SyncEngine:
    def __init__(self, database: Database, replication_url: str, options: EngineOptions) -> None:
        self.database = database
        self.options = options
        self.store = Store(options.folder, writer=True)
        self.reads = Store(options.folder)
        self.capture = Capture(replication_url, options.slot)
        self.lock = asyncio.Lock()
        self.last_lsn = 0
        self.ready = asyncio.Event()
        self.waiters = Waiters()
        self.answers = Answers(self.reads, self.waiters, lambda: self.last_lsn)
        self.snapshots = logfile.Snapshots()
        self.wake = asyncio.Event()
        self.notified = False
        """A synced table's transaction committed since the last step (see :meth:`_listen`)."""
        self.schemas = Schemas(database.primary)
        self.steps = 0
        self.decided: Counter[str] = Counter()
        """Shape steps decided from decoded rows since the start, by the kind of the shape's reach
        (``all``, ``self``, ``vendor``, ``manager``, ``none``)."""
        self.failed_steps = 0
        """Steps that failed and were tried again from the slot (every shape waits meanwhile)."""
        self.read_steps = 0
        """Shape steps read again as the shape's user since the start."""
        self.router = Router()
        self.used: dict[int, float] = {}
        self.removals: set[asyncio.Future[None]] = set()
        self.users_changed: Callable[[set[str]], None] = lambda users: None
        """Told the ids of users whose role, company or active flag a step changed (their shapes of
        their own are removed; the session cache forgets them, since shapes shared by a reach stay)."""
        self.subscribers: list[Callable[[list[int], int], None]] = []
        """Told, after each step and removal, the shapes whose logs changed and the LSN the logs
        have reached (the API workers of other processes, :mod:`turns.sync.channel`)."""
        self._changed: set[int] = set()

    # -- life cycle --
    async def start(self) -> None:
        async with self.lock:
            recreated = await self.capture.ensure_slot()
            self._check_files()
            stored = int(self.store.get_meta("last_lsn") or 0)
            confirmed = await self.capture.confirmed_lsn()
            cluster = await self.capture.cluster()
            # The logs were read from another cluster, or from this one before a restore (a new timeline):
            # they hold rows and positions this database does not have.
            elsewhere = self.store.get_meta("cluster") not in (None, cluster)
            if recreated or elsewhere or confirmed > stored:
                # The slot is new, or was moved past what the logs hold: changes may be missing.
                # Every shape starts again (its clients get must-refetch) rather than skip any.
                shapes = self.store.all_shapes()
                if shapes:
                    log.warning(
                        "sync_shapes_reset", slot=self.options.slot, shapes=len(shapes), stored=stored, cluster=cluster
                    )
                for shape in shapes:
                    self._remove(shape)
            self.last_lsn = confirmed if elsewhere else max(stored, confirmed)
            self.store.set_meta("last_lsn", str(self.last_lsn))
            self.store.set_meta("cluster", cluster)
            managers, loaded_at = await self.capture.property_managers()
            self.router = Router(Managers(managers, loaded_at))
            for shape in self.store.all_shapes():
                definition = ShapeDefinition.from_dict(shape.definition)
                if definition.generic and not await self._described(definition.table):
                    self._remove(shape)  # its table is gone
                    continue
                self.router.add(shape.id, definition)
        self.ready.set()
        self._publish()

    async def _described(self, table: str) -> bool:
        """Whether the generic table the engine names ``table`` exists (described from the catalog)."""
        if known(table) is not None:
            return True
        schema, _, relation = table.partition(".")
        return await describe(owner_url(self.database.urls), schema, relation) is not None

    async def run(self, stop: asyncio.Event) -> None:
        """Follow the slot until ``stop`` is set; errors are logged and retried. A step still running
        :data:`STOP_GRACE` seconds after ``stop`` (a backlog of thousands of changes, a read waiting on
        a lock) is cancelled, so the process stops within its manager's grace: that is as safe as a
        crash, its log bytes are cut back at the next start and the slot gives its changes again."""
        listening = asyncio.create_task(self._listen(stop))
        following = asyncio.create_task(self._follow(stop))
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({following, stopping}, return_when=asyncio.FIRST_COMPLETED)
            await asyncio.wait({following}, timeout=STOP_GRACE)
            if following.done():
                following.result()  # (an error that ended it)
        finally:
            for task in (following, stopping, listening):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _listen(self, stop: asyncio.Event) -> None:
        """Wake the loop when a transaction that changed a synced table commits (migration 0029's
        triggers notify ``turns_sync``), so a change is read at once rather than at the next poll;
        the poll stays, for a notification lost while this connection was down."""
        while not stop.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.capture.url, autocommit=True, application_name="turns-sync-wake"
                ) as conn:
                    await conn.execute(f"LISTEN {WAKE_CHANNEL}")
                    async for _ in conn.notifies():
                        self.notified = True
                        self.wake.set()
            except (OSError, psycopg.Error) as exc:
                log.warning("sync_listen_failed", error=str(exc))
                await _wait_any(stop, asyncio.Event(), seconds=1.0)

    async def _follow(self, stop: asyncio.Event) -> None:
        try:
            await self._steps(stop)
        finally:
            await self.capture.close()
            self.store.close()
            self.reads.close()
            self.snapshots.close()

    async def _steps(self, stop: asyncio.Event) -> None:
        next_gc = time.monotonic() + self.options.gc_seconds
        delay = 0.5
        while not stop.is_set():
            try:
                if not self.ready.is_set():
                    await self.start()
                self.capture.arrived.clear()
                found = await self.step()
                delay = 0.5
                if time.monotonic() >= next_gc:
                    await self.collect_garbage()
                    next_gc = time.monotonic() + self.options.gc_seconds
                if found or self.notified:
                    continue
                self.wake.clear()
                await _wait_any(stop, self.wake, self.capture.arrived, seconds=self.options.poll_seconds)
            except SlotLost as exc:
                log.warning("sync_slot_lost", error=str(exc))
                await self.capture.close()
                self.ready.clear()
            except (OSError, sqlalchemy.exc.SQLAlchemyError, Exception) as exc:  # keep following
                log.warning("sync_step_failed", error=str(exc), exc_info=True)
                self.failed_steps += 1
                await self.capture.close()
                self.ready.clear()
                await _wait_any(stop, asyncio.Event(), seconds=delay)
                delay = min(delay * 2, 10.0)

    def _check_files(self) -> None:
        """Cut every log file back to what its catalog committed (a step that crashed before its
        commit is replayed from the slot); remove a shape whose file is missing or short, and files
        no shape names (left by a crash before a shape's commit, or a removal not finished)."""
        named = set()
        for shape in self.store.all_shapes():
            path = self.store.file(shape.handle)
            if logfile.truncate(path, shape.size):
                named.add(path.name)
            else:
                log.warning("sync_log_file_lost", handle=shape.handle)
                self._remove(shape)
        for path in self.store.logs.iterdir():
            if path.name not in named:
                self._unlink_later(path)

    # -- steps --
    async def step(self) -> int:
        """Apply the transactions streamed so far; returns how many it read. After a notification,
        the WAL is flushed first, so the stream sends what was committed (see :meth:`Capture.flush`)."""
        async with self.lock:
            if self.notified:
                self.notified = False
                await self.capture.flush()
            return await self._step()

    async def _step(self) -> int:
        batches = self.capture.batches()
        if not batches:
            return 0
        fresh = [b for b in batches if b.end_lsn > self.last_lsn]
        if fresh:
            await self._apply(fresh)
        end = batches[-1].end_lsn
        self.capture.advance(end)
        self.last_lsn = max(self.last_lsn, end)
        self.steps += 1
        self._publish()
        return len(batches)

    async def _catch_up(self) -> int:
        """Step until every transaction committed before this call is in the logs (under the lock);
        how many transactions that read. TimeoutError when the stream has not brought them within
        :data:`CATCH_UP_SECONDS`."""
        end = await self.capture.barrier()
        found = 0
        async with asyncio.timeout(CATCH_UP_SECONDS):
            while self.last_lsn < end:
                self.capture.arrived.clear()
                read = await self._step()
                found += read
                if not read:
                    await self.capture.arrived.wait()
        return found

    async def _apply(self, batches: list[Batch]) -> None:
        """Log each transaction of ``batches`` as its own step, at its commit LSN, as Electric logs every
        operation: a client sees two transactions that changed one row as two messages. The rows the
        steps read again as their users are read at one snapshot (after all of them), once per shape
        and key: what a later step would read again is the same and yields nothing."""
        changed: set[int] = set()
        read: dict[int, set[str] | None] = {}
        with self.store.transaction():
            async with contextlib.AsyncExitStack() as stack:
                conn: AsyncConnection | None = None
                step_xid = 0
                for batch in batches:
                    step = plan(batch, self.router, needs_full_read)
                    if batch.reassigned.get("users"):
                        self.users_changed(batch.reassigned["users"])
                    for shape_id in step.dropped:  # their role or company changed: the shape is no longer theirs
                        self._remove_id(shape_id, wake=False)
                        changed.add(shape_id)
                    if step.empty:
                        continue
                    if conn is None:
                        conn = await stack.enter_async_context(self._reading())
                        step_xid = int((await conn.execute(_STEP_XID)).scalar_one()) & 0xFFFFFFFF
                    txids = [*batch.xids, step_xid]
                    for shape_id, ids in step.read.items():
                        keys = _not_read_yet(read, shape_id, ids)
                        if keys == []:
                            continue
                        shape, definition = self._stored(shape_id)
                        try:
                            rows = await self._read(conn, definition, keys)
                        except ShapeQueryError as exc:  # a generic table dropped or altered: the shape goes
                            log.warning("sync_shape_unreadable", handle=shape.handle, error=str(exc))
                            self._remove(shape, wake=False)
                            changed.add(shape_id)
                            continue
                        if self._log_changes(shape, definition, keys, rows, txids, batch.commit_lsn):
                            changed.add(shape_id)
                    self.decided.update(str(self.router.routes[i].reach).partition(":")[0] for i in step.decided)
                    for shape_id, (ids, rows) in step.decided.items():
                        shape, definition = self._stored(shape_id)
                        if self._log_changes(shape, definition, ids, rows, txids, batch.commit_lsn):
                            changed.add(shape_id)
                    self.read_steps += len(step.read)
            self.store.set_meta("last_lsn", str(max(self.last_lsn, batches[-1].end_lsn)))
        for shape_id in changed:
            self._notify(shape_id)

    @contextlib.asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncConnection]:
        """A read-only transaction at one snapshot, in the shapes' session formats."""
        async with self.database.primary.connect() as conn, conn.begin():
            await conn.execute(_REPEATABLE_READ)
            await conn.execute(_FORMATS)
            yield conn

    def _stored(self, shape_id: int) -> tuple[StoredShape, ShapeDefinition]:
        shape = self.store.by_id(shape_id)
        assert shape is not None, shape_id  # (the router holds exactly the catalog's shapes)
        return shape, self.router.routes[shape_id].definition

    async def _read(
        self, conn: AsyncConnection, definition: ShapeDefinition, ids: list[str] | None
    ) -> dict[str, dict[str, Any]]:
        """The rows of ``ids`` (every row when None) of the shape, read as its user. A generic mode's
        shape is read in a savepoint: its table may be gone (:class:`ShapeQueryError`), and the
        other shapes' reads go on."""
        await conn.execute(_SET_CONTEXT, Actor(user_id=UUID(definition.user_id), context="sync").params())
        if not definition.generic:
            return await self._rows(conn, definition, ids)
        try:
            async with conn.begin_nested():
                return await self._rows(conn, definition, ids)
        except sqlalchemy.exc.DBAPIError as exc:
            raise ShapeQueryError(str(exc.orig).strip().splitlines()[0]) from exc

    async def _rows(
        self, conn: AsyncConnection, definition: ShapeDefinition, ids: list[str] | None
    ) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        key = described(definition.table).key
        chunks = [None] if ids is None else [ids[i : i + 5_000] for i in range(0, len(ids), 5_000)]
        for chunk in chunks:
            for row in (await conn.execute(definition.query(chunk))).mappings():
                found[str(row[key])] = dict(row)
        return found

    def _log_changes(
        self,
        shape: StoredShape,
        definition: ShapeDefinition,
        ids: list[str] | None,
        rows: Mapping[str, dict[str, Any]],
        txids: list[int],
        lsn: int,
    ) -> bool:
        """Log what the step changed in the shape (see :mod:`turns.sync.changes`); whether the shape's
        requests are to be woken (False when nothing changed)."""
        held = self._held(shape, ids)
        full = definition.replica == "full"
        found = diff(definition.table, full=full, held=held.values(), rows=rows, txids=txids, lsn=lsn)
        if found is None:
            return False
        try:
            written = self._write_step(shape, lsn, found.bodies, found.row_delta)
        except OSError as exc:
            # The disk is full, or the file is gone: the shape is removed (its clients refetch, and
            # the next request builds it again), the other shapes and the engine go on.
            log.error("sync_log_append_failed", handle=shape.handle, error=str(exc))
            self._remove(shape, wake=False)
            return True
        self.store.put_overlay(shape.id, found.held)
        self.store.append(shape, written)
        return True

    def _held(self, shape: StoredShape, pks: list[str] | None) -> dict[str, dict[str, Any]]:
        """The rows the shape holds of ``pks`` (all when None): as a step last logged them, else as the
        snapshot has them."""
        overlay = self.store.overlay(shape.id, pks)
        rest = None if pks is None else [pk for pk in pks if pk not in overlay]
        path = self.store.file(shape.handle)
        table = described(shape.table)
        if rest == []:
            held = {}
        else:
            held = dict(self.snapshots.rows(path, shape.snapshot_end, rest, table.key, by_key=not table.generic))
        for pk, value in overlay.items():
            if value is None:
                held.pop(pk, None)
            else:
                held[pk] = json.loads(value)
        return held

    def _write_step(self, shape: StoredShape, lsn: int, bodies: list[str], row_delta: int) -> Appended:
        """Append a step's messages to the shape's file; a chunk closes after the message that fills it."""
        marks: list[tuple[Offset, int, bool]] = []
        position, chunk_start = shape.size, shape.chunk_start
        lines = [logfile.encode(body) for body in bodies]
        for index, line in enumerate(lines):
            position += len(line)
            if position - chunk_start >= self.options.chunk_bytes:
                marks.append((Offset(lsn, 2 * index + 1), position, True))
                chunk_start = position
        head = Offset(lsn, 2 * len(lines) - 1)
        if not marks or marks[-1][0] != head:
            marks.append((head, position, False))
        logfile.write_at(self.store.file(shape.handle), shape.size, b"".join(lines))
        return Appended(head, position, chunk_start, marks, len(lines), row_delta)

    # -- shapes --
    async def shape_for(self, definition: ShapeDefinition) -> StoredShape:
        """The shape of ``definition``, snapshotted now if it does not exist yet."""
        key = shape_key(definition)
        found = self.reads.by_key(key)
        if found is not None:
            return found
        async with self.lock:
            found = self.store.by_key(key)
            if found is not None:
                return found
            return await self._create(definition, key)

    async def _create(self, definition: ShapeDefinition, key: str) -> StoredShape:
        handle = f"{abs(hash(key)) % 10**8}-{time.time_ns() // 1000}"
        path = self.store.file(handle)
        try:
            async with self.database.primary.connect() as conn, conn.begin():
                await conn.execute(_REPEATABLE_READ)
                await conn.execute(_FORMATS)
                await conn.execute(_SET_CONTEXT, Actor(user_id=UUID(definition.user_id), context="sync").params())
                await _check_user(conn, definition)
                snapshot = str((await conn.execute(_SNAPSHOT)).scalar_one())
                with path.open("wb") as file:
                    written = await self._copy_snapshot(conn, definition, file, snapshot)
        except (sqlalchemy.exc.DBAPIError, psycopg.Error) as exc:
            self._unlink_later(path)
            error = exc.orig if isinstance(exc, sqlalchemy.exc.DBAPIError) else exc
            raise ShapeQueryError(str(error).strip().splitlines()[0]) from exc
        except OSError as exc:  # the disk is full: the request is answered 503, and tried again
            log.error("sync_snapshot_write_failed", handle=handle, error=str(exc))
            self._unlink_later(path)
            raise NotReady from exc
        except BaseException:
            self._unlink_later(path)
            raise
        with self.store.transaction():
            shape_id = self.store.insert_shape(
                handle=handle,
                key=key,
                definition=definition.as_dict(),
                user_id=definition.user_id,
                table=definition.table,
                snapshot=written,
            )
        created = self.store.by_id(shape_id)
        assert created is not None
        self.router.add(shape_id, definition)
        log.info("sync_shape_created", handle=handle, table=definition.table, rows=written.rows)
        return created

    async def _copy_snapshot(
        self, conn: AsyncConnection, definition: ShapeDefinition, file: BinaryIO, snapshot: str
    ) -> Snapshot:
        """Write the shape's snapshot into ``file`` as PostgreSQL's ``COPY`` sends it, one line a row,
        then snapshot-end; a snapshot chunk closes after the row that fills it. A ``changes_only``
        shape serves no snapshot (no chunks) but holds its rows all the same: the changes are told
        from them, and subsets read them."""
        sql, params = definition.snapshot_copy(conn.dialect)
        raw: psycopg.AsyncConnection[Any] = (await conn.get_raw_connection()).driver_connection  # type: ignore[assignment]
        buffer = bytearray()
        chunk_ends: list[int] = []
        position = chunk_start = rows = 0
        limit = self.options.chunk_bytes
        async with raw.cursor() as cursor, cursor.copy(sql, params) as copy:
            async for data in copy:
                buffer += data
                rows += 1
                if position + len(buffer) - chunk_start >= limit:
                    chunk_start = position + len(buffer)
                    chunk_ends.append(chunk_start)
                if len(buffer) >= _WRITE_BYTES:
                    position += file.write(buffer)
                    buffer.clear()
        rows_end = position + len(buffer)
        buffer += logfile.encode(snapshot_end(snapshot))
        position += file.write(buffer)
        if not chunk_ends or chunk_ends[-1] < position:
            chunk_ends.append(position)
        served = chunk_ends if definition.log == "full" else []
        return Snapshot(rows=rows, rows_end=rows_end, size=position, chunk_ends=served)

    async def subset(self, shape_id: int, definition: ShapeDefinition, subset: Subset) -> SubsetRows | None:
        """The rows of ``subset`` of the shape: their values as the shape holds them at its head,
        and what tells the client which log messages they contain.

        The engine first steps until its logs hold every transaction committed before the
        request, so no row committed before it is missing from the answer (nor arrives later,
        as an insert, to a client that only fetched the subset). The keys are then read as the
        user under the engine's lock, between steps: every step the head includes has committed
        before the snapshot, every later one starts after it. The
        snapshot's ``xmin:xmax:xip`` therefore shows a step's own transaction id (the last of
        its messages' txids) exactly when the step is in the head, which is how the client
        drops the messages the subset already holds. None when the shape is gone.
        """
        async with self.lock:
            try:
                await self._catch_up()
            except (SlotLost, OSError, psycopg.Error, sqlalchemy.exc.SQLAlchemyError) as exc:
                log.warning("sync_catch_up_failed", error=str(exc))
                await self.capture.close()
                self.ready.clear()  # the loop starts again from the slot, as after a failed step
                raise NotReady from exc
            shape = self.store.by_id(shape_id)
            if shape is None:
                return None
            try:
                async with self.database.primary.connect() as conn, conn.begin():
                    await conn.execute(_REPEATABLE_READ)
                    await conn.execute(_FORMATS)
                    await conn.execute(_SUBSET_TIMEOUT)
                    await conn.execute(_SET_CONTEXT, Actor(user_id=UUID(definition.user_id), context="sync").params())
                    snapshot = str((await conn.execute(_SNAPSHOT)).scalar_one())
                    found = (await conn.scalars(subset.query(definition))).all()
            except sqlalchemy.exc.DBAPIError as exc:
                raise ShapeQueryError(str(exc.orig).strip().splitlines()[0]) from exc
            held = self._held(shape, [str(k) for k in found])
            metadata = {
                **snapshot_fields(snapshot),
                # Above every message in the head (their lsn), so none retires the snapshot early.
                "database_lsn": str(max(self.last_lsn, shape.head.tx + 1)),
                "snapshot_mark": secrets.randbelow(2**31),
            }
            rows = [(row_key(definition.table, pk), dumps(held[pk])) for pk in map(str, found) if pk in held]
            return SubsetRows(shape.head, rows, len(found), metadata)

    async def schema(self, definition: ShapeDefinition) -> str:
        """The ``electric-schema`` header of ``definition``."""
        return await self.schemas.of(definition)

    async def drop(self, shape_id: int) -> None:
        async with self.lock:
            self._remove_id(shape_id)
        self._publish()

    def touch(self, shape_id: int) -> None:
        """A request asked for the shape (it is not removed as unused while it is asked for)."""
        self.used[shape_id] = time.time()

    def _remove_id(self, shape_id: int, *, wake: bool = True) -> None:
        shape = self.store.by_id(shape_id)
        if shape is not None:
            self._remove(shape, wake=wake)

    def _remove(self, shape: StoredShape, *, wake: bool = True) -> None:
        """Remove a shape from the catalog, then its file: renamed at once (no new reader opens it),
        unlinked in a worker thread, so no request waits for a large file to go. Its requests are
        woken unless ``wake`` is false: inside a step, whose catalog transaction is not committed
        yet, the step wakes them after its commit (a request woken earlier would read the shape
        as still there, and keep that read until the next wake, see :mod:`turns.sync.answers`)."""
        self.store.delete(shape.id)
        self.router.remove(shape.id)
        path = self.store.file(shape.handle)
        self.snapshots.forget(path)
        gone = path.with_suffix(".removed")
        try:
            path.rename(gone)
        except FileNotFoundError:
            pass
        else:
            self._unlink_later(gone)
        if wake:
            self._notify(shape.id)

    def _unlink_later(self, path: Path) -> None:
        task = asyncio.get_running_loop().run_in_executor(None, _unlink, path)
        self.removals.add(task)
        task.add_done_callback(self.removals.discard)

    async def collect_garbage(self) -> None:
        """Remove shapes nobody has asked for in a while, and shapes whose log outgrew their rows
        (their clients refetch a fresh snapshot, which is smaller than the replayed log)."""
        cutoff = time.time() - self.options.shape_ttl_seconds
        for shape in self.store.all_shapes():
            stale = self.used.get(shape.id, shape.used_at) < cutoff and not self.waiters.held(shape.id)
            bloated = shape.log_count > max(10_000, 4 * shape.row_count)
            if stale or bloated:
                log.info("sync_shape_removed", handle=shape.handle, stale=stale, bloated=bloated)
                await self.drop(shape.id)

    # -- waiting for changes --
    def _notify(self, shape_id: int) -> None:
        self._changed.add(shape_id)
        self.waiters.wake([shape_id])

    def _publish(self) -> None:
        changed, self._changed = sorted(self._changed), set()
        for subscriber in self.subscribers:
            subscriber(changed, self.last_lsn)


def _not_read_yet(read: dict[int, set[str] | None], shape_id: int, ids: list[str] | None) -> list[str] | None:
    """Of ``ids`` (None: every row) of a shape, those not read yet at this snapshot ([]: nothing to
    read), noting them as read."""
    if shape_id in read and read[shape_id] is None:
        return []
    if ids is None:
        read[shape_id] = None
        return None
    done = read.setdefault(shape_id, set())
    assert done is not None
    keys = [pk for pk in ids if pk not in done]
    done.update(keys)
    return keys


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


async def _check_user(conn: AsyncConnection, definition: ShapeDefinition) -> None:
    """Raise :class:`StaleUser` unless the user still has the role and company the shape was asked with."""
    if definition.generic:
        return
    row = (await conn.execute(_USER_NOW, {"id": definition.user_id})).first()
    if row is None or (row[0], row[1], row[2]) != (definition.role, definition.vendor_id, True):
        raise StaleUser(definition.user_id)


async def _wait_any(*events: asyncio.Event, seconds: float) -> None:
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()


def engine_options(database: Database, settings: Settings) -> EngineOptions:
    """Where the engine of ``settings`` keeps its shape logs (under the data directory), and its slot."""
    folder = settings.sync_dir or settings.data_dir / "sync"
    name = urlsplit(database.urls.app).path.lstrip("/") or "turns"
    return EngineOptions(
        folder=folder / f"{name}-{settings.sync_slot}",
        slot=settings.sync_slot,
        chunk_bytes=settings.sync_chunk_bytes,
        poll_seconds=settings.sync_poll_seconds,
        shape_ttl_seconds=settings.sync_shape_ttl_hours * 3600,
    )


def engine_for(database: Database, settings: Settings) -> SyncEngine:
    """The engine of this process: its slot, and its shape logs under the data directory."""
    return SyncEngine(database, database.urls.replication, engine_options(database, settings))
