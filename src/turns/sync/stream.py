"""The slot's messages as PostgreSQL streams them (the replication protocol), read by a thread.

Reading the slot with ``pg_logical_slot_peek_binary_changes`` and moving it on with
``pg_replication_slot_advance`` decodes the WAL twice, each call starting again from the slot's
restart point, and the engine waits for each call before it can apply what came: at 20,000
one-row updates, PostgreSQL's part was two thirds of the engine's time (docs/sync.md). Streamed,
PostgreSQL decodes each record once, in its own process, while the engine applies what came
before; the engine tells it how far its logs hold (:meth:`Stream.confirm`), which is where the slot
starts again after a crash, so nothing is consumed before it is stored.

psycopg 3 does not speak the replication protocol; psycopg2 (a dependency already, for Barman)
does, synchronously: it runs in a thread of its own, which only moves bytes (the engine decodes
them), and stops reading while :data:`HELD_MESSAGES` wait, so a backlog stays in PostgreSQL
rather than in this process's memory.
"""

from __future__ import annotations

import collections
import contextlib
import select
import socket
import threading
import time
from collections.abc import Callable
from typing import cast

import psycopg2
import psycopg2.errors
import psycopg2.extras

from turns.sync.catalog import PUBLICATION
from turns.sync.shapes import format_sql

HELD_MESSAGES = 60_000
"""Messages read but not yet taken by the engine, at most (about 20,000 one-row transactions)."""

_FEEDBACK_SECONDS = 1
_IN_USE_SECONDS = 10.0


class SlotGone(Exception):
    """The slot is missing, or PostgreSQL removed WAL it still needed."""


class StreamFailed(ConnectionError):
    """The replication connection failed (the engine streams again, from the confirmed position)."""


class Stream:
    """One replication connection on ``slot``, from where the slot was last confirmed.

    ``arrived`` is called (from the thread) when messages are waiting, and when the stream failed
    (:attr:`error`, raised by :meth:`take`)."""

    def __init__(self, url: str, slot: str, arrived: Callable[[], None]) -> None:
        self.url, self.slot, self.arrived = url, slot, arrived
        self.messages: collections.deque[bytes] = collections.deque()
        self.error: SlotGone | StreamFailed | None = None
        self.confirmed = 0
        self._stop = threading.Event()
        self._waker, self._woken = socket.socketpair()
        self._thread = threading.Thread(target=self._run, name="turns-sync-stream", daemon=True)
        self._thread.start()

    def take(self, limit: int) -> list[bytes]:
        """Up to ``limit`` of the messages read so far, in the order they came."""
        if self.error is not None and not self.messages:
            raise self.error
        held = len(self.messages)
        taken = [self.messages.popleft() for _ in range(min(limit, held))]
        if held >= HELD_MESSAGES:
            self._wake()  # (the thread stopped reading while the engine was behind)
        return taken

    def confirm(self, lsn: int) -> None:
        """The logs hold every transaction that ends at or before ``lsn``: the slot may move on."""
        if lsn > self.confirmed:
            self.confirmed = lsn
            self._wake()

    def close(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake()
        self._thread.join(timeout)
        self._waker.close()
        self._woken.close()

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._waker.send(b"\0")

    def _run(self) -> None:
        # A slot streams to one connection at a time: after a crash or a restart, the server may not
        # have ended the previous one yet, so "in use" is waited out (briefly) rather than failed.
        deadline = time.monotonic() + _IN_USE_SECONDS
        while True:
            try:
                conn = psycopg2.connect(
                    self.url,
                    connection_factory=psycopg2.extras.LogicalReplicationConnection,
                    application_name="turns-sync",
                )
            except psycopg2.Error as exc:
                self._failed(exc)
                return
            try:
                self._follow(conn)
                return
            except psycopg2.errors.ObjectInUse as exc:
                if time.monotonic() >= deadline or self._stop.wait(0.1):
                    self._failed(exc)
                    return
            except (psycopg2.errors.UndefinedObject, psycopg2.errors.ObjectNotInPrerequisiteState) as exc:
                self._failed(SlotGone(str(exc).strip()))
                return
            except (psycopg2.Error, OSError) as exc:
                self._failed(exc)
                return
            finally:
                conn.close()

    def _follow(self, conn: psycopg2.extensions.connection) -> None:
        cursor = cast(psycopg2.extras.ReplicationCursor, conn.cursor())
        # Decoded values are written by this session: in the formats shapes are read with.
        cursor.execute(format_sql(local=False))
        cursor.start_replication(
            slot_name=self.slot,
            decode=False,
            status_interval=_FEEDBACK_SECONDS,
            options={"proto_version": "1", "publication_names": PUBLICATION, "messages": "true"},
        )
        told, told_at = 0, 0.0
        while not self._stop.is_set():
            if self.confirmed != told or time.monotonic() - told_at >= _FEEDBACK_SECONDS:
                # (also while the engine is behind and nothing is read: the server ends a silent stream)
                told, told_at = self.confirmed, time.monotonic()
                cursor.send_feedback(flush_lsn=told, force=True)  # type: ignore[no-untyped-call]
            read = 0
            while len(self.messages) < HELD_MESSAGES and (message := cursor.read_message()) is not None:
                self.messages.append(message.payload)
                read += 1
                if read % 1_000 == 0:
                    self.arrived()
            if read:
                self.arrived()
            waiting_on = [self._woken.fileno()]
            if len(self.messages) < HELD_MESSAGES:
                waiting_on.append(conn.fileno())
            # poll(), not select(), which refuses descriptors past 1,023 (a process holding many clients)
            poller = select.poll()
            for waited in waiting_on:
                poller.register(waited, select.POLLIN)
            ready = {fd for fd, _ in poller.poll(_FEEDBACK_SECONDS * 1000)}
            if self._woken.fileno() in ready:
                self._woken.recv(4096)
        if self.confirmed != told:  # (a clean stop: the next stream starts after what the logs hold)
            cursor.send_feedback(flush_lsn=self.confirmed, force=True)  # type: ignore[no-untyped-call]

    def _failed(self, error: SlotGone | psycopg2.Error | OSError) -> None:
        self.error = error if isinstance(error, SlotGone) else StreamFailed(str(error).strip())
        self.arrived()
