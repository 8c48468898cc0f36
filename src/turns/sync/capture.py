"""Change capture: whole transactions from a logical replication slot, in commit order.

The slot (``pgoutput``, the ``electric_publication`` publication) is streamed over the
replication protocol on the replication URL (:mod:`turns.sync.stream`); its messages are turned
into a :class:`Batch` per transaction, and the slot is confirmed only after the shape logs holding
their effect are on disk, so a crash between the two streams a batch again rather than losing it.
Each call returns whole transactions, so a batch never holds part of one.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field, replace

import psycopg

from turns.sync.catalog import known, relation_name
from turns.sync.pgoutput import UNCHANGED, Begin, Change, Commit, Decoder, Truncate
from turns.sync.stream import SlotGone, Stream

# Columns whose change can move rows in or out of *other* rows' visibility (see scope.py).
ASSIGNMENT_COLUMNS = {
    "users": ("role", "is_active", "vendor_id"),
    "properties": ("property_manager_id", "sr_property_manager_id"),
    "turns": ("property_id", "vendor_id", "flooring_vendor_id"),
    "bids": ("vendor_id",),  # an invitation opens its request (and the request's lines) to the company
}


@dataclass
class Batch:
    """What a run of committed transactions changed."""

    xids: list[int] = field(default_factory=list)
    commit_lsn: int = 0
    end_lsn: int = 0
    ids: dict[str, set[str]] = field(default_factory=dict)
    """Per table, the primary keys of rows inserted, updated or deleted."""
    truncated: set[str] = field(default_factory=set)
    reassigned: dict[str, set[str]] = field(default_factory=dict)
    """Per table of :data:`ASSIGNMENT_COLUMNS`, old and new values of changed assignment columns
    (for ``users``: the ids of users whose role, activity or company changed)."""
    changes: int = 0
    decoded: list[Change] = field(default_factory=list)
    """The inserts, updates and deletes, in commit order, with whole rows (see :meth:`add`)."""
    opaque: set[str] = field(default_factory=set)
    """Tables of a change whose rows are not whole (an update without its old row, so a value
    PostgreSQL did not send is unknown): their shapes are read as their users."""

    @property
    def empty(self) -> bool:
        return not self.ids and not self.truncated

    def add(self, change: Change) -> None:
        table = relation_name(change.relation.schema, change.relation.name)
        self.changes += 1
        whole = _whole(change)
        if whole is None:
            self.opaque.add(table)
        else:
            self.decoded.append(whole)
        described = known(table)
        key = described.key if described is not None else None
        for row in (change.new, change.old):
            if row is not None and key is not None and isinstance(row.get(key), str):
                self.ids.setdefault(table, set()).add(str(row[key]))
        watched = ASSIGNMENT_COLUMNS.get(table)
        if not watched or (table == "users" and change.operation == "insert"):
            return  # (a new user's shapes were all read as who they are)
        old, new = change.old or {}, change.new or {}
        moved = [c for c in watched if change.operation != "update" or _differs(old.get(c), new.get(c))]
        if not moved:
            return
        found = self.reassigned.setdefault(table, set())
        if table == "users":
            found.add(str((new or old).get("id")))
            return
        if table == "turns" and "property_id" in moved:
            moved.extend(("vendor_id", "flooring_vendor_id"))  # its companies now read another property
        for column in moved:
            for value in (old.get(column), new.get(column)):
                if isinstance(value, str):
                    found.add(value)


def _whole(change: Change) -> Change | None:
    """``change`` with the values an update left out (unchanged TOASTed values) taken from its old row;
    None when the old row does not hold them, or is only its key."""
    if change.old_is_key or (change.operation == "update" and change.old is None):
        return None
    if change.new is None or UNCHANGED not in change.new.values():
        return change
    old = change.old or {}
    if any(old.get(c, UNCHANGED) is UNCHANGED for c, v in change.new.items() if v is UNCHANGED):
        return None
    return replace(change, new={c: old[c] if v is UNCHANGED else v for c, v in change.new.items()})


def _differs(old: object, new: object) -> bool:
    return new is not UNCHANGED and old != new


class SlotLost(Exception):
    """The slot is gone or PostgreSQL has removed WAL it still needed."""


class Capture:
    def __init__(self, url: str, slot: str, *, max_changes: int = 20_000) -> None:
        self.url = url
        self.slot = slot
        self.max_changes = max_changes
        self.conn: psycopg.AsyncConnection[tuple[object, ...]] | None = None
        self.stream: Stream | None = None
        self.decoder = Decoder()
        self.current: Batch | None = None
        """The transaction being streamed: its commit has not come yet."""
        self.arrived = asyncio.Event()
        """Set when the stream has read messages (or failed)."""
        self.loop: asyncio.AbstractEventLoop | None = None

    async def connect(self) -> psycopg.AsyncConnection[tuple[object, ...]]:
        if self.conn is None or self.conn.closed:
            self.conn = await psycopg.AsyncConnection.connect(
                self.url, autocommit=True, application_name="turns-sync", prepare_threshold=None
            )
        return self.conn

    async def close(self) -> None:
        if self.stream is not None:
            stream, self.stream = self.stream, None
            await asyncio.to_thread(stream.close)
        if self.conn is not None:
            await self.conn.close()
            self.conn = None

    async def ensure_slot(self) -> bool:
        """Create the slot if it is missing; ``True`` when it had to be (re)created."""
        conn = await self.connect()
        row = await (
            await conn.execute("SELECT wal_status FROM pg_replication_slots WHERE slot_name = %s", (self.slot,))
        ).fetchone()
        if row is not None and row[0] != "lost":
            return False
        if row is not None:
            await conn.execute("SELECT pg_drop_replication_slot(%s)", (self.slot,))
        await conn.execute("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", (self.slot,))
        return True

    async def cluster(self) -> str:
        """Which history of which cluster the slot reads: its system identifier and current timeline.

        A restore to a past time (or a standby promoted in its place) starts a new timeline, whose
        LSNs repeat positions the shape logs may already hold for changes that no longer exist."""
        conn = await self.connect()
        row = await (
            await conn.execute(
                "SELECT system_identifier, substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) FROM pg_control_system()"
            )
        ).fetchone()
        assert row is not None
        return f"{row[0]}/{int(str(row[1]), 16)}"

    async def _wal_insert(self) -> int:
        conn = await self.connect()
        row = await (await conn.execute("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")).fetchone()
        assert row is not None
        return int(str(row[0]))

    async def confirmed_lsn(self) -> int:
        conn = await self.connect()
        row = await (
            await conn.execute(
                "SELECT confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = %s",
                (self.slot,),
            )
        ).fetchone()
        if row is None or row[0] is None:
            raise SlotLost(f"replication slot {self.slot} is missing")
        return int(str(row[0]))

    async def flush(self) -> None:
        """Flush the WAL written so far, so that the stream sends every transaction committed before
        this call. (With ``synchronous_commit`` off, as on the test servers, a commit returns before its
        record is flushed, and the stream sends flushed WAL only. A transaction of our own that writes
        WAL and commits with it on flushes everything before it; one that only took an id would
        commit asynchronously all the same.)"""
        conn = await self.connect()
        cursor = await conn.execute("SELECT pg_current_wal_insert_lsn() > pg_current_wal_flush_lsn()")
        row = await cursor.fetchone()
        if row is not None and row[0]:
            await self.barrier()

    async def barrier(self) -> int:
        """Commit (flushed) a transaction of our own that the stream passes on, holding only a logical
        message: every transaction committed before this call ends before the message's position,
        which is returned, so once the engine has stepped past it, it has them all."""
        conn = await self.connect()
        async with conn.transaction():
            await conn.execute("SET LOCAL synchronous_commit = on")
            cursor = await conn.execute("SELECT pg_logical_emit_message(true, 'turns.barrier', '') - '0/0'::pg_lsn")
            row = await cursor.fetchone()
        assert row is not None
        return int(str(row[0]))

    async def property_managers(self) -> tuple[dict[str, tuple[str, ...]], int]:
        """Each property's managers now, and the end of the WAL after they were read (every change
        of ``properties`` the read missed is decoded after it)."""
        conn = await self.connect()
        cursor = await conn.execute(
            "SELECT CAST(id AS text), CAST(property_manager_id AS text), CAST(sr_property_manager_id AS text)"
            " FROM properties"
        )
        found = {str(row[0]): tuple(str(m) for m in row[1:] if m is not None) for row in await cursor.fetchall()}
        return found, await self._wal_insert()

    def batches(self) -> list[Batch]:
        """The transactions streamed since the last call, one batch each, in commit order: only whole
        ones (a transaction whose commit has not come yet is kept for the next call), at most about
        :attr:`max_changes` messages. Starts the stream (from where the slot was last confirmed) when
        there is none, and raises :class:`SlotLost` when the slot is gone."""
        if self.stream is None:
            self.loop = asyncio.get_running_loop()
            self.stream = Stream(self.url, self.slot, self._arrived)
            self.decoder, self.current = Decoder(), None
        try:
            messages = self.stream.take(self.max_changes)
        except SlotGone as exc:
            raise SlotLost(str(exc)) from exc
        batches: list[Batch] = []
        for data in messages:
            message = self.decoder.decode(data)
            if isinstance(message, Begin):
                self.current = Batch(xids=[message.xid])
            elif self.current is None:
                continue  # (a logical message outside a transaction)
            elif isinstance(message, Change):
                self.current.add(message)
            elif isinstance(message, Truncate):
                self.current.truncated.update(relation_name(r.schema, r.name) for r in message.relations)
            elif isinstance(message, Commit):
                self.current.commit_lsn, self.current.end_lsn = message.commit_lsn, message.end_lsn
                batches.append(self.current)
                self.current = None
        return batches

    def _arrived(self) -> None:
        """(from the stream's thread)"""
        assert self.loop is not None
        with contextlib.suppress(RuntimeError):  # (the loop closed while the thread stopped)
            self.loop.call_soon_threadsafe(self.arrived.set)

    def advance(self, lsn: int) -> None:
        """The logs hold every transaction up to ``lsn``: the slot may move on (told to the server by
        the stream; until it is, a restart streams them again, and the engine skips them)."""
        if self.stream is not None:
            self.stream.confirm(lsn)

    async def drop(self) -> None:
        conn = await self.connect()
        await conn.execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s", (self.slot,)
        )
