"""The requests held for a shape's next change (long-polls, SSE streams), by shape."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable


class Waiters:
    """Events of held requests by shape id, set when the shape's log grows (or is removed)."""

    def __init__(self) -> None:
        self.events: dict[int, set[asyncio.Event]] = {}

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
            for event in self.events.get(shape_id, ()):
                event.set()

    def wake_all(self) -> None:
        self.wake(list(self.events))

    def held(self, shape_id: int) -> bool:
        return bool(self.events.get(shape_id))

    def shapes(self) -> set[int]:
        return set(self.events)
