"""SQLAlchemy engines for the URLs in :mod:`turns.db.urls`, and the set of them a process holds.

:class:`Database` is the engines an application process holds. ``primary`` is the pooled
primary (writes, authentication, every read-write transaction). With a read replica
configured, read-only work goes through ``router``, which picks the replica or the primary
for each transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg.pq import ConnStatus
from sqlalchemy import event, exc, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from turns.config import Settings
from turns.db.urls import DatabaseUrls
from turns.kit.flight import Statement, read_only
from turns.kit.supervision import supervisor_pid
from turns.replicas.monitor import LagMonitor
from turns.replicas.positions import SharedPositions
from turns.replicas.router import ReplicaRouter


def sqlalchemy_url(url: str) -> str:
    """A libpq URL in the form SQLAlchemy's psycopg 3 dialect expects."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url.split('@')[-1]}")


def create_engine(url: str, *, application_name: str, pool_size: int) -> AsyncEngine:
    """An async engine safe behind a transaction-mode pooler.

    Prepared statements are off (``prepare_threshold=None``): PgBouncer in
    transaction mode may hand each transaction a different server connection.
    A pooled connection the server has closed is replaced when it is taken (:func:`_check_idle`).
    """
    engine = create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        connect_args={"application_name": application_name, "prepare_threshold": None},
    )
    event.listen(engine.sync_engine.pool, "checkout", _check_idle)
    return engine


def _check_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Refuse a pooled connection the server has hung up on (a restart, a pooler's or Neon's idle
    timeout), so that the pool connects again: every pooled connection when the server closed this
    one, else this one (it has input nobody asked for).

    An idle connection's socket has nothing to read until the server closes it (the server sends
    its reason, then the end of the stream; nothing here listens for notifications), so a poll of
    the socket tells what a ping would, without the round trip a ping costs every request."""
    pgconn = record.driver_connection.pgconn
    if pgconn.status != ConnStatus.OK:
        raise exc.InvalidatePoolError("the connection is closed")
    poll = select.poll()  # not select(), which fails on descriptors past 1,023 (a server holding many clients)
    poll.register(pgconn.socket, select.POLLIN)
    if not poll.poll(0):
        return
    try:
        pgconn.consume_input()
    except psycopg.OperationalError as error:
        raise exc.InvalidatePoolError(f"the server closed the connection: {error}") from error
    if pgconn.status != ConnStatus.OK:
        raise exc.InvalidatePoolError("the server closed the connection")
    raise exc.DisconnectionError("the idle connection received input nobody asked for")


LARGE_VALUE = 1 << 20
"""Characters of one value past which the connection that carried it is not lent again (:func:`retire_if_large`)."""


async def retire_if_large(conn: AsyncConnection, size: int) -> None:
    """Have the pool close ``conn``'s connection instead of lending it again once this transaction is
    over, when it has carried a value of ``size`` characters or more, received or sent. libpq keeps a
    connection's buffers at the size of the largest message it has carried, for as long as the
    connection lives: every pooled connection that once carried a report snapshot of megabytes (the
    vendors' scorecards at operator scale) would hold that much of the process's memory, idle."""
    if size >= LARGE_VALUE:
        (await conn.get_raw_connection()).invalidate(soft=True)


_WROTE = text("SELECT pg_current_xact_id_if_assigned() IS NOT NULL")


@dataclass(frozen=True)
class ReplicaOptions:
    pool_size: int | None = None
    """Connections in the replica's pool; the primary's size when None."""
    max_lag_seconds: float = 1.0
    """Above this lag the replica serves no reads until it catches up."""
    wait_seconds: float = 0.1
    """How long a read waits for the replica to replay the client's own last write."""
    check_seconds: float = 0.5
    """How often the lag is measured."""
    positions_file: Path | None = None
    """Where the workers of one server share their clients' commit positions (in memory when None)."""


@dataclass
class Database:
    urls: DatabaseUrls
    primary: AsyncEngine
    router: ReplicaRouter | None = None

    @classmethod
    def connect(cls, urls: DatabaseUrls, *, pool_size: int, replica: ReplicaOptions | None = None) -> Database:
        primary = create_engine(urls.app, application_name="turns-api", pool_size=pool_size)
        if urls.replica is None:
            return cls(urls=urls, primary=primary)
        options = replica or ReplicaOptions()
        engine = create_engine(urls.replica, application_name="turns-replica", pool_size=options.pool_size or pool_size)
        monitor = LagMonitor(
            primary, engine, max_lag_seconds=options.max_lag_seconds, interval_seconds=options.check_seconds
        )
        return cls(
            urls=urls,
            primary=primary,
            router=ReplicaRouter(
                primary,
                engine,
                monitor,
                wait_seconds=options.wait_seconds,
                positions=SharedPositions(options.positions_file) if options.positions_file else None,
            ),
        )

    @property
    def reader(self) -> AsyncEngine:
        """The engine read-only work would use now, ignoring read-your-writes (see :meth:`read`)."""
        if self.router is not None and self.router.monitor.health.healthy:
            return self.router.replica
        return self.primary

    @contextlib.asynccontextmanager
    async def read(self, client: str | None, *opening: Statement) -> AsyncIterator[AsyncConnection]:
        """A read-only transaction that sees ``client``'s own committed writes: on the replica when it can.
        ``opening`` are its first statements, sent with its ``BEGIN`` (:mod:`turns.kit.flight`)."""
        if self.router is not None:
            async with self.router.read(client, *opening) as conn:
                yield conn
            return
        async with read_only(self.primary, *opening) as conn:
            yield conn

    async def wrote(self, conn: AsyncConnection) -> bool:
        """Whether the open transaction on ``conn`` has written anything (asked only when a replica
        needs to know: a transaction that wrote nothing has no commit to wait for)."""
        if self.router is None:
            return False
        return bool(await conn.scalar(_WROTE))

    def unreplayed_lsn(self, client: str | None) -> int | None:
        """The WAL position of ``client``'s last commit, while the replica is not known to have replayed it."""
        if self.router is None or client is None:
            return None
        return self.router.pending_lsn(client)

    async def committed(self, conn: AsyncConnection, client: str | None) -> int | None:
        """Called after ``conn`` committed a write for ``client``: its WAL position, when a replica needs it."""
        if self.router is None:
            return None
        return await self.router.note_commit(conn, client)

    async def monitor_replica(self, stop: asyncio.Event) -> None:
        """Measure the replica's lag until ``stop`` is set (returns at once without a replica)."""
        if self.router is not None:
            await self.router.monitor.run(stop)

    async def dispose(self) -> None:
        await self.primary.dispose()
        if self.router is not None:
            await self.router.replica.dispose()


def replica_options(settings: Settings) -> ReplicaOptions:
    return ReplicaOptions(
        pool_size=settings.replica_pool_size,
        max_lag_seconds=settings.replica_max_lag_seconds,
        wait_seconds=settings.replica_wait_seconds,
        check_seconds=settings.replica_check_seconds,
        positions_file=(settings.data_dir / "run" / f"commit-positions-{supervisor}.sqlite3")
        if (supervisor := supervisor_pid())
        else None,
    )
