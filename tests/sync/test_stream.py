"""The slot streamed: every transaction once and in commit order, no more than the stream's limit of
messages held in memory (the rest waits in PostgreSQL), and a confirmed position that the next
stream starts after."""

from __future__ import annotations

import asyncio
import time
import uuid

import psycopg
import pytest

from tests.fixtures.factory import Factory
from turns.db.urls import DatabaseUrls
from turns.sync import stream
from turns.sync.capture import Batch, Capture


def _inserted(batches: list[Batch]) -> list[str]:
    return [str(change.new["id"]) for batch in batches for change in batch.decoded if change.new is not None]


def test_the_stream_gives_every_transaction_once_holding_at_most_its_limit(
    db: DatabaseUrls, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "HELD_MESSAGES", 20)
    slot = f"test_stream_{uuid.uuid4().hex[:8]}"
    factory.query("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", (slot,))
    created = [str(factory.vendor()) for _ in range(40)]  # 40 transactions, 3 messages or more each

    async def follow(wanted: int) -> tuple[list[str], int, int]:
        capture = Capture(db.replication, slot, max_changes=7)
        seen: list[str] = []
        most_held = end = 0
        deadline = time.monotonic() + 30
        try:
            while len(seen) < wanted and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
                if capture.stream is not None:
                    most_held = max(most_held, len(capture.stream.messages))
                batches = capture.batches()
                seen += _inserted(batches)
                if batches:
                    end = batches[-1].end_lsn
                    capture.advance(end)
        finally:
            await capture.close()
        return seen, most_held, end

    try:
        seen, most_held, end = asyncio.run(follow(len(created)))
        assert seen == created
        assert 0 < most_held <= 20
        confirmed = factory.query(
            "SELECT confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = %s", (slot,)
        )
        assert int(confirmed[0][0]) == end
        later = str(factory.vendor())
        again, _, _ = asyncio.run(follow(1))
        assert again == [later]  # (what was confirmed is not streamed again)
    finally:
        for _ in range(50):
            factory.query(
                "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = %s", (slot,)
            )
            try:
                factory.query("SELECT pg_drop_replication_slot(%s)", (slot,))
                break
            except psycopg.errors.ObjectInUse:
                time.sleep(0.1)
