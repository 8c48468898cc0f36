"""The requests held for a shape's next change (long-polls, SSE streams), by shape.

A held request waits on a future of its own, set when its shape changes (True) or at the next
tick of the process's one timer (False, every :data:`TICK_SECONDS`), when the request checks
whether its client is still there and its time is up. One timer for every held request, not one
per request: a thousand clients woken by one change each paid for setting and cancelling a timer
of their own. (Each has its own future rather than one shared by the shape's requests: a request
that is cancelled, an SSE stream whose client left, cancels the future it waits on.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

TICK_SECONDS = 1.0


class Waiters:
    """The held requests of each shape, and each shape's *version*, which changes with every wake:
    what was read of a shape before it may be stale (see :mod:`turns.sync.answers`)."""

    def __init__(self) -> None:
        self.held_by: dict[int, int] = {}
        """How many requests hold each shape."""
        self.versions: dict[int, int] = {}
        self.epoch = 0
        """Changes when every shape may have changed (the engine's process started again)."""
        self.pending: dict[int, list[asyncio.Future[bool]]] = {}
        self.ticking: asyncio.TimerHandle | None = None

    def watch(self, shape_id: int) -> None:
        self.held_by[shape_id] = self.held_by.get(shape_id, 0) + 1

    def unwatch(self, shape_id: int) -> None:
        left = self.held_by.get(shape_id, 0) - 1
        if left > 0:
            self.held_by[shape_id] = left
        else:
            self.held_by.pop(shape_id, None)

    def next(self, shape_id: int) -> asyncio.Future[bool]:
        """What one held request of the shape awaits: True once it changes, False at the next tick."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self.pending.setdefault(shape_id, []).append(future)
        if self.ticking is None:
            self.ticking = loop.call_later(TICK_SECONDS, self._tick)
        return future

    def _tick(self) -> None:
        self.ticking = None
        pending, self.pending = self.pending, {}
        for futures in pending.values():
            _settle(futures, False)

    def wake(self, shape_ids: Iterable[int]) -> None:
        for shape_id in shape_ids:
            self.versions[shape_id] = self.versions.get(shape_id, 0) + 1
            _settle(self.pending.pop(shape_id, ()), True)

    def wake_all(self) -> None:
        self.epoch += 1
        self.versions.clear()
        self.wake(list(self.pending))

    def version(self, shape_id: int) -> tuple[int, int]:
        return self.epoch, self.versions.get(shape_id, 0)

    def held(self, shape_id: int) -> bool:
        return shape_id in self.held_by

    def shapes(self) -> set[int]:
        return set(self.held_by)


def _settle(futures: Iterable[asyncio.Future[bool]], changed: bool) -> None:
    for future in futures:
        if not future.done():  # (a request cancelled meanwhile)
            future.set_result(changed)
