"""The sync engine: keeps every shape's log in step with the database.

One loop reads committed transactions from the slot (:mod:`turns.sync.capture`). For
each shape a step may concern, it reads the shape's rows again *as the shape's user*
(the application role, RLS, the user's columns): only the changed keys when the rows
themselves changed, every row when the step moved rows in or out of the user's reach
(a property reassigned, a turn given to another vendor; see :func:`needs_full_read`).
What differs from the rows the shape holds becomes inserts, updates and deletes in its
log, all at the step's commit LSN, so a client applies a step whole. All reads of a step
share one snapshot. A step is on disk before the slot is advanced past it; replaying a
step after a crash finds nothing new to log, so clients see no duplicate.

New shapes are snapshotted under the same lock as steps, so a transaction is either in a
shape's snapshot or decoded after it: no gap. Subset snapshots are read under it too, and
each step's messages carry the step's own transaction id, which is what lets a client drop
the messages a subset already holds (see :meth:`SyncEngine.subset`).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import sqlalchemy.exc
import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.actions import is_vendor
from turns.access.roles import MANAGERS
from turns.config import Settings
from turns.db.context import SET_CONTEXT_SQL, Actor
from turns.db.engines import Database
from turns.sync.capture import Batch, Capture, SlotLost, merge
from turns.sync.changes import diff
from turns.sync.offsets import Offset
from turns.sync.protocol import dumps, row_key, snapshot_end, snapshot_fields, snapshot_row
from turns.sync.shapes import FORMAT_SQL, MOVE_WITH_THEIR_TURN, PRIMARY_KEY, ShapeDefinition, column_schema
from turns.sync.store import Store, StoredShape
from turns.sync.subsets import Subset

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
_PARTITION = 2_000


class ShapeQueryError(ValueError):
    """PostgreSQL refused the shape's query (e.g. a where clause comparing a number to text)."""


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
    store_path: Path
    slot: str
    poll_seconds: float = 0.05
    shape_ttl_seconds: float = 72 * 3600
    gc_seconds: float = 60.0


def needs_full_read(definition: ShapeDefinition, batch: Batch) -> bool:
    """Whether ``batch`` may have moved rows of *other* keys in or out of this user's reach.

    The RLS policies (migrations 0002, 0018, 0019, 0022) make a manager's turns, and the rows that
    belong to them (:data:`MOVE_WITH_THEIR_TURN`: stage history, scope lines, photos, vendor visits), depend
    on which properties they manage, and a vendor user's properties and those rows on which
    turns are assigned to their company; a turn moved to another property changes whose rows
    they are. Admins, approvers and inspectors read every row: nothing moves.
    """
    properties = batch.reassigned.get("properties", set())
    turns = batch.reassigned.get("turns", set())
    if definition.role in MANAGERS:
        if definition.table in ("turns", *MOVE_WITH_THEIR_TURN) and definition.user_id in properties:
            return True
        return definition.table in MOVE_WITH_THEIR_TURN and bool(turns)
    if is_vendor(definition.role) and definition.table in ("properties", *MOVE_WITH_THEIR_TURN):
        return definition.vendor_id in turns
    return False


class SyncEngine:
    def __init__(self, database: Database, replication_url: str, options: EngineOptions) -> None:
        self.database = database
        self.options = options
        self.store = Store(options.store_path)
        self.reads = Store(options.store_path)
        self.capture = Capture(replication_url, options.slot)
        self.lock = asyncio.Lock()
        self.last_lsn = 0
        self.ready = asyncio.Event()
        self.waiters: dict[int, set[asyncio.Event]] = {}
        self.wake = asyncio.Event()
        self.schemas: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}
        self.steps = 0
        self.used: dict[int, float] = {}

    # -- life cycle --
    async def start(self) -> None:
        async with self.lock:
            recreated = await self.capture.ensure_slot()
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
                with self.store.transaction():
                    for shape in shapes:
                        self.store.delete(shape.id)
                for shape in shapes:
                    self._notify(shape.id)
            self.last_lsn = confirmed if elsewhere else max(stored, confirmed)
            self.store.set_meta("last_lsn", str(self.last_lsn))
            self.store.set_meta("cluster", cluster)
        self.ready.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Follow the slot until ``stop`` is set; errors are logged and retried."""
        next_gc = time.monotonic() + self.options.gc_seconds
        delay = 0.5
        while not stop.is_set():
            try:
                if not self.ready.is_set():
                    await self.start()
                found = await self.step()
                delay = 0.5
                if time.monotonic() >= next_gc:
                    await self.collect_garbage()
                    next_gc = time.monotonic() + self.options.gc_seconds
                if found:
                    continue
                self.wake.clear()
                await _wait_any(stop, self.wake, seconds=self.options.poll_seconds)
            except SlotLost as exc:
                log.warning("sync_slot_lost", error=str(exc))
                self.ready.clear()
            except (OSError, sqlalchemy.exc.SQLAlchemyError, Exception) as exc:  # keep following
                log.warning("sync_step_failed", error=str(exc), exc_info=True)
                await self.capture.close()
                self.ready.clear()
                await _wait_any(stop, asyncio.Event(), seconds=delay)
                delay = min(delay * 2, 10.0)
        await self.capture.close()
        self.store.close()
        self.reads.close()

    def poke(self) -> None:
        """A write committed in this process: read the slot now rather than at the next poll."""
        self.wake.set()

    # -- steps --
    async def step(self) -> int:
        """Apply what the slot holds; returns how many transactions it read."""
        async with self.lock:
            batches = await self.capture.peek()
            if not batches:
                return 0
            fresh = [b for b in batches if b.end_lsn > self.last_lsn]
            if fresh:
                await self._apply(merge(fresh))
            end = batches[-1].end_lsn
            await self.capture.advance(end)
            self.last_lsn = max(self.last_lsn, end)
            self.steps += 1
            return len(batches)

    async def _apply(self, batch: Batch) -> None:
        plan: list[tuple[StoredShape, ShapeDefinition, list[str] | None]] = []
        dropped: list[int] = []
        moved_users = batch.reassigned.get("users", set())
        for shape in self.store.all_shapes():
            definition = ShapeDefinition.from_dict(shape.definition)
            if definition.user_id in moved_users:
                dropped.append(shape.id)  # their role or company changed: the shape is no longer theirs
            elif definition.table in batch.truncated or needs_full_read(definition, batch):
                plan.append((shape, definition, None))
            elif batch.ids.get(definition.table):
                plan.append((shape, definition, sorted(batch.ids[definition.table])))
        changed: list[int] = []
        with self.store.transaction():
            for shape_id in dropped:
                self.store.delete(shape_id)
            if plan:
                async with self.database.primary.connect() as conn, conn.begin():
                    await conn.execute(_REPEATABLE_READ)
                    txids = [*batch.xids, int((await conn.execute(_STEP_XID)).scalar_one()) & 0xFFFFFFFF]
                    await conn.execute(_FORMATS)
                    for shape, definition, ids in plan:
                        rows = await self._read(conn, definition, ids)
                        if self._log_changes(shape, definition, ids, rows, txids, batch.commit_lsn):
                            changed.append(shape.id)
            self.store.set_meta("last_lsn", str(max(self.last_lsn, batch.end_lsn)))
        for shape_id in (*dropped, *changed):
            self._notify(shape_id)

    async def _read(
        self, conn: AsyncConnection, definition: ShapeDefinition, ids: list[str] | None
    ) -> dict[str, dict[str, Any]]:
        await conn.execute(_SET_CONTEXT, Actor(user_id=UUID(definition.user_id), context="sync").params())
        found: dict[str, dict[str, Any]] = {}
        chunks = [None] if ids is None else [ids[i : i + 5_000] for i in range(0, len(ids), 5_000)]
        for chunk in chunks:
            for row in (await conn.execute(definition.query(chunk))).mappings():
                found[str(row[PRIMARY_KEY])] = dict(row)
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
        """Log what the step changed in the shape (see :mod:`turns.sync.changes`); False when nothing."""
        keys = None if ids is None else (row_key(definition.table, i) for i in ids)
        held = [json.loads(value) for value in self.store.rows_for(shape.id, keys).values()]
        found = diff(definition.table, full=definition.replica == "full", held=held, rows=rows, txids=txids, lsn=lsn)
        if found is None:
            return False
        self.store.put_rows(shape.id, found.held)
        self.store.drop_rows(shape.id, found.gone)
        self.store.append(shape.id, lsn, found.bodies, found.row_delta)
        return True

    # -- shapes --
    async def shape_for(self, definition: ShapeDefinition) -> StoredShape:
        """The shape of ``definition``, snapshotted now if it does not exist yet."""
        key = definition.key()
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
        with self.store.transaction():
            shape_id = self.store.insert_shape(
                handle=handle,
                key=key,
                definition=definition.as_dict(),
                user_id=definition.user_id,
                table=definition.table,
            )
            op = 1
            rows = 0
            try:
                async with self.database.primary.connect() as conn, conn.begin():
                    await conn.execute(_REPEATABLE_READ)
                    await conn.execute(_FORMATS)
                    await conn.execute(_SET_CONTEXT, Actor(user_id=UUID(definition.user_id), context="sync").params())
                    await _check_user(conn, definition)
                    snapshot = str((await conn.execute(_SNAPSHOT)).scalar_one())
                    result = await conn.stream(definition.query())
                    async for partition in result.mappings().partitions(_PARTITION):
                        values = [dict(r) for r in partition]
                        keyed = [(row_key(definition.table, str(v[PRIMARY_KEY])), v) for v in values]
                        self.store.put_rows(shape_id, ((k, dumps(v)) for k, v in keyed))
                        rows += len(keyed)
                        if definition.log == "full":
                            op = self.store.add_snapshot(
                                shape_id, op, [snapshot_row(definition.table, k, v) for k, v in keyed]
                            )
            except sqlalchemy.exc.DBAPIError as exc:
                raise ShapeQueryError(str(exc.orig).strip().splitlines()[0]) from exc
            if definition.log == "full":
                op = self.store.add_snapshot(shape_id, op, [snapshot_end(snapshot)])
            self.store.set_head(shape_id, Offset(0, op - 1), rows=rows, entries=op - 1)
        created = self.store.by_id(shape_id)
        assert created is not None
        log.info("sync_shape_created", handle=handle, table=definition.table, rows=rows)
        return created

    async def subset(self, shape_id: int, definition: ShapeDefinition, subset: Subset) -> SubsetRows | None:
        """The rows of ``subset`` of the shape: their values as the shape holds them at its head,
        and what tells the client which log messages they contain.

        The keys are read as the user under the engine's lock, between steps: every step the
        head includes has committed before the snapshot, every later one starts after it. The
        snapshot's ``xmin:xmax:xip`` therefore shows a step's own transaction id (the last of
        its messages' txids) exactly when the step is in the head, which is how the client
        drops the messages the subset already holds. None when the shape is gone.
        """
        async with self.lock:
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
                    keys = [row_key(definition.table, str(k)) for k in found]
            except sqlalchemy.exc.DBAPIError as exc:
                raise ShapeQueryError(str(exc.orig).strip().splitlines()[0]) from exc
            held = self.store.rows_for(shape.id, keys)
            metadata = {
                **snapshot_fields(snapshot),
                # Above every message in the head (their lsn), so none retires the snapshot early.
                "database_lsn": str(max(self.last_lsn, shape.head.tx + 1)),
                "snapshot_mark": secrets.randbelow(2**31),
            }
            return SubsetRows(shape.head, [(k, held[k]) for k in keys if k in held], len(keys), metadata)

    async def schema(self, definition: ShapeDefinition) -> dict[str, Any]:
        """The shape's ``electric-schema`` (read once per table and column list)."""
        cache_key = (definition.table, definition.columns)
        if cache_key not in self.schemas:
            async with self.database.primary.connect() as conn:
                self.schemas[cache_key] = await column_schema(conn, definition)
        return self.schemas[cache_key]

    async def drop(self, shape_id: int) -> None:
        async with self.lock:
            with self.store.transaction():
                self.store.delete(shape_id)
        self._notify(shape_id)

    async def collect_garbage(self) -> None:
        """Remove shapes nobody has asked for in a while, and shapes whose log outgrew their rows
        (their clients refetch a fresh snapshot, which is smaller than the replayed log)."""
        cutoff = time.time() - self.options.shape_ttl_seconds
        for shape in self.store.all_shapes():
            stale = self.used.get(shape.id, shape.used_at) < cutoff and not self.waiters.get(shape.id)
            bloated = shape.log_count > max(10_000, 4 * shape.row_count)
            if stale or bloated:
                log.info("sync_shape_removed", handle=shape.handle, stale=stale, bloated=bloated)
                await self.drop(shape.id)

    # -- waiting for changes --
    def watch(self, shape_id: int) -> asyncio.Event:
        event = asyncio.Event()
        self.waiters.setdefault(shape_id, set()).add(event)
        return event

    def unwatch(self, shape_id: int, event: asyncio.Event) -> None:
        found = self.waiters.get(shape_id)
        if found is not None:
            found.discard(event)
            if not found:
                del self.waiters[shape_id]

    def _notify(self, shape_id: int) -> None:
        for event in self.waiters.get(shape_id, ()):
            event.set()

    def clients(self) -> int:
        return sum(len(events) for events in self.waiters.values())


async def _check_user(conn: AsyncConnection, definition: ShapeDefinition) -> None:
    """Raise :class:`StaleUser` unless the user still has the role and company the shape was asked with."""
    row = (await conn.execute(_USER_NOW, {"id": definition.user_id})).first()
    if row is None or (row[0], row[1], row[2]) != (definition.role, definition.vendor_id, True):
        raise StaleUser(definition.user_id)


async def _wait_any(stop: asyncio.Event, wake: asyncio.Event, *, seconds: float) -> None:
    waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()


def engine_for(database: Database, settings: Settings) -> SyncEngine:
    """The engine of this process: its slot, and its shape logs under the data directory."""
    folder = settings.sync_dir or settings.data_dir / "sync"
    name = urlsplit(database.urls.app).path.lstrip("/") or "turns"
    options = EngineOptions(
        store_path=folder / f"{name}-{settings.sync_slot}.sqlite3",
        slot=settings.sync_slot,
        poll_seconds=settings.sync_poll_seconds,
        shape_ttl_seconds=settings.sync_shape_ttl_hours * 3600,
    )
    return SyncEngine(database, database.urls.replication, options)
