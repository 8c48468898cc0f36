"""Held requests await a future each: set by their shape's change, or by the process's one tick."""

from __future__ import annotations

import asyncio

import pytest

from turns.sync import waiters as waiters_module
from turns.sync.waiters import Waiters


def test_a_change_wakes_every_request_of_its_shape_and_only_those() -> None:
    async def scenario() -> None:
        waiters = Waiters()
        first, second, other = waiters.next(1), waiters.next(1), waiters.next(2)
        before = waiters.version(1)
        waiters.wake([1])
        assert (await first, await second, waiters.version(1) != before, other.done()) == (True, True, True, False)

    asyncio.run(scenario())


def test_a_tick_sets_every_pending_future_false_once_a_period(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(waiters_module, "TICK_SECONDS", 0.05)

    async def scenario() -> None:
        waiters = Waiters()
        started = asyncio.get_running_loop().time()
        assert await waiters.next(1) is False
        assert await waiters.next(2) is False
        assert 0.05 <= asyncio.get_running_loop().time() - started < 1.0
        assert waiters.version(1) == (0, 0)  # a tick changes nothing

    asyncio.run(scenario())


def test_held_shapes_are_counted_and_a_restart_changes_every_version() -> None:
    async def scenario() -> None:
        waiters = Waiters()
        waiters.watch(1)
        waiters.watch(1)
        waiters.unwatch(1)
        assert (waiters.held(1), waiters.shapes()) == (True, {1})
        waiters.unwatch(1)
        assert waiters.held(1) is False
        pending, before = waiters.next(3), waiters.version(3)
        waiters.wake_all()
        assert await pending is True and waiters.version(3) != before

    asyncio.run(scenario())


def test_a_cancelled_request_leaves_the_others_of_its_shape_waiting() -> None:
    """An SSE stream whose client left is cancelled: that cancels the future it awaits, not theirs."""

    async def scenario() -> None:
        waiters = Waiters()
        leaving = asyncio.ensure_future(waiters.next(1))
        staying = waiters.next(1)
        await asyncio.sleep(0)
        leaving.cancel()
        await asyncio.sleep(0)
        waiters.wake([1])
        assert await staying is True

    asyncio.run(scenario())
