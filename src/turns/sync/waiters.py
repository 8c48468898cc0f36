"""The requests held for a shape's next change (long-polls, SSE streams), by shape."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable


class Waiters:
    """Events of held requests by shape id, set when the shape's log grows (or is removed); and
    each shape's *version*, which changes with every wake: what was read of a shape before it
    may be stale (see :mod:`turns.sync.answers`)."""

    def __init__(self) -> None:
        self.events: dict[int, set[asyncio.Event]] = {}
        self.versions: dict[int, int] = {}
        self.epoch = 0
        """Changes when every shape may have changed (the engine's process started again)."""

    def watch(self, shape_id: int) -> asyncio.Event:
        event = asyncio.Event()
        self.events.setdefault(shape_id, set()).add(event)
        return event

    def unwatch(self, shape_id: int, event: asyncio.Event) -> None:
        found = self.events.get(shape_id)
        if found is not None:
            found.discard(event)
            if not found:
                del self.events[shape_id]

    def wake(self, shape_ids: Iterable[int]) -> None:
        for shape_id in shape_ids:
            self.versions[shape_id] = self.versions.get(shape_id, 0) + 1
            for event in self.events.get(shape_id, ()):
                event.set()

    def wake_all(self) -> None:
        self.epoch += 1
        self.versions.clear()
        self.wake(list(self.events))

    def version(self, shape_id: int) -> tuple[int, int]:
        return self.epoch, self.versions.get(shape_id, 0)

    def held(self, shape_id: int) -> bool:
        return bool(self.events.get(shape_id))

    def shapes(self) -> set[int]:
        return set(self.events)
