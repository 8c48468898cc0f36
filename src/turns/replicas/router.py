"""Which server a read-only transaction runs on.

Reads go to the replica while the monitor finds it healthy, except that a
client who has just written reads from the replica only once it has replayed
that write (read-your-writes): the router remembers, per client, the WAL
position of the client's last commit and compares it with the replica's
``pg_last_wal_replay_lsn()``, waiting up to ``wait_seconds`` for replay to
catch up before reading from the primary instead. Other clients keep reading
from the replica meanwhile.

The commit position is taken right after the commit, with
``pg_current_wal_insert_lsn()``: the commit record has been inserted by then, so
the position is at or past its end, and a standby that has replayed up to it
has applied the commit. It is taken after rather than before the commit because
before it the commit record does not exist yet: ``pg_current_wal_lsn()`` inside
the transaction lies *before* the record, so a standby could reach it and still
not show the write. After the commit the query may run on another server
connection (behind a transaction-mode pooler) or see later WAL of other
sessions: both only move the position forward, which costs at most a read on
the primary, never a stale read. Neither function needs special privileges.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import psycopg
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from turns.kit import flight
from turns.kit.flight import Statement
from turns.kit.lsn import parse_lsn
from turns.replicas import metrics
from turns.replicas.monitor import LagMonitor
from turns.replicas.positions import Positions

READ_ONLY = text("SET TRANSACTION READ ONLY")
_REPLAY_LSN = text("SELECT pg_last_wal_replay_lsn()::text")
_COMMIT_LSN = text("SELECT pg_current_wal_insert_lsn()::text")
_POLL_SECONDS = 0.005


class ReplicaLost(Exception):
    """The replica's connection failed in the middle of a read; the read may be retried on the primary."""


def is_connection_error(exc: BaseException) -> bool:
    """Whether ``exc`` says the server went away (rather than that the query was wrong)."""
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated) or isinstance(exc.orig, psycopg.OperationalError)
    return isinstance(exc, (OSError, psycopg.OperationalError))


class ReplicaRouter:
    def __init__(
        self,
        primary: AsyncEngine,
        replica: AsyncEngine,
        monitor: LagMonitor,
        *,
        wait_seconds: float,
        positions: Positions | None = None,
    ) -> None:
        self.primary = primary
        self.replica = replica
        self.monitor = monitor
        self.wait_seconds = wait_seconds
        self.positions = positions or Positions()

    def pending_lsn(self, client: str) -> int | None:
        """The position the replica must reach before ``client`` reads from it, if any."""
        return self.positions.get(client)

    async def note_commit(self, conn: AsyncConnection, client: str | None) -> int:
        """Record the WAL position of the transaction ``conn`` has just committed for ``client``."""
        lsn = parse_lsn(str(await conn.scalar(_COMMIT_LSN)))
        await conn.rollback()
        self.monitor.saw_primary_lsn(lsn)
        if client is not None:
            self.positions.note(client, lsn)
        return lsn

    def _replayed(self, client: str | None, replay_lsn: int) -> None:
        health = self.monitor.health
        health.replay_lsn = max(replay_lsn, health.replay_lsn or 0)
        if client is not None:
            self.positions.replayed(client, replay_lsn)

    async def _replica_connection(self, client: str | None, opening: tuple[Statement, ...]) -> AsyncConnection | None:
        """A replica connection in a read-only transaction that sees ``client``'s writes, or None.
        ``opening`` are the transaction's first statements, sent with its ``BEGIN``."""
        if not self.monitor.health.healthy:
            metrics.route("primary", "replica-unhealthy")
            return None
        needed = self.positions.get(client) if client is not None else None
        conn = self.replica.connect()
        try:
            await conn.start()
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.begin()
            await flight.opening(conn, flight.READ_ONLY, *opening)
            known = self.monitor.health.replay_lsn
            if needed is not None and (known is None or known < needed):
                deadline = time.monotonic() + self.wait_seconds
                while True:
                    replay = parse_lsn(str(await conn.scalar(_REPLAY_LSN)))
                    self._replayed(client, replay)
                    if replay >= needed:
                        break
                    if time.monotonic() >= deadline:
                        await conn.close()
                        metrics.route("primary", "replica-behind-own-write")
                        return None
                    await asyncio.sleep(_POLL_SECONDS)
            elif needed is not None and known is not None:
                self._replayed(client, known)
        except Exception as exc:
            with contextlib.suppress(Exception):
                await conn.close()
            if not is_connection_error(exc):
                raise
            self.monitor.mark_failed(f"connection failed: {type(exc).__name__}")
            metrics.route("primary", "replica-error")
            return None
        metrics.route("replica", "own-write-replayed" if needed is not None else "healthy")
        return conn

    @contextlib.asynccontextmanager
    async def read(self, client: str | None, *opening: Statement) -> AsyncIterator[AsyncConnection]:
        """A read-only transaction on the replica when it can serve ``client``, else on the primary.

        A connection failure on the replica while the transaction is open is raised as
        :class:`ReplicaLost` (after marking the replica unhealthy), so the caller can retry.
        """
        conn = await self._replica_connection(client, opening)
        if conn is None:
            async with flight.read_only(self.primary, *opening) as primary:
                yield primary
            return
        try:
            yield conn
            await conn.commit()
        except Exception as exc:
            if is_connection_error(exc):
                self.monitor.mark_failed(f"connection lost: {type(exc).__name__}")
                raise ReplicaLost(str(exc)) from exc
            raise
        finally:
            with contextlib.suppress(Exception):
                await conn.close()
