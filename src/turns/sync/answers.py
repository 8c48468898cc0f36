"""What the requests of one shape have in common between two of its changes, read once.

A thousand clients following one shape ask the same thing after each change: the shape's head
in the catalog, and the bytes from the offset they all hold to that head. Read per request,
that was a third of a long-poll's cost (docs/sync.md, "Many clients of one shape"). Here:

- a shape as the catalog has it is kept until the shape's requests are next woken (its
  version in :class:`~turns.sync.waiters.Waiters`): the engine wakes them after the catalog
  has the change, so a kept shape is never older than the last wake a request could have
  missed; it is kept with the engine's position read before it (``global_last_seen_lsn``
  never says more than the shape holds);
- the byte range and the bytes from an offset are kept per shape *size*: a log only grows, so
  what a size says of an offset never changes; only the newest size's are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from turns.sync import logfile
from turns.sync.offsets import Offset
from turns.sync.store import Span, Store, StoredShape
from turns.sync.waiters import Waiters

INLINE_BYTES = 256 * 1024
"""Ranges up to this size are read whole (and kept); larger ones are streamed from the file."""
_OFFSETS_KEPT = 16
"""Offsets kept per shape size: clients following a shape hold one or two."""
_SHAPES_KEPT = 10_000


@dataclass(frozen=True)
class Known:
    shape: StoredShape | None
    seen: int
    """The engine's position when the shape was read (its logs hold every change before it)."""


@dataclass
class _Ranges:
    size: int
    spans: dict[Offset, tuple[Span, bytes | None]] = field(default_factory=dict)


class Answers:
    """Reads of ``reads`` (the catalog and the logs) shared by the requests of a process."""

    def __init__(self, reads: Store, waiters: Waiters, position: Callable[[], int]) -> None:
        self.reads, self.waiters, self.position = reads, waiters, position
        self.shapes: dict[int, tuple[tuple[int, int], Known]] = {}
        self.handles: dict[str, int] = {}
        self.ranges: dict[int, _Ranges] = {}

    def by_id(self, shape_id: int) -> Known:
        version = self.waiters.version(shape_id)
        kept = self.shapes.get(shape_id)
        if kept is not None and kept[0] == version:
            return kept[1]
        seen = self.position()
        return self._keep(shape_id, version, Known(self.reads.by_id(shape_id), seen))

    def by_handle(self, handle: str) -> Known:
        shape_id = self.handles.get(handle)
        if shape_id is not None:
            known = self.by_id(shape_id)
            if known.shape is None:
                self.handles.pop(handle, None)
            return known
        seen = self.position()
        found = self.reads.by_handle(handle)
        if found is None:
            return Known(None, seen)
        if len(self.handles) >= _SHAPES_KEPT:
            self.handles.clear()
        self.handles[handle] = found.id
        return self._keep(found.id, self.waiters.version(found.id), Known(found, seen))

    def _keep(self, shape_id: int, version: tuple[int, int], known: Known) -> Known:
        if len(self.shapes) >= _SHAPES_KEPT:
            self.shapes.clear()
            self.ranges.clear()
        self.shapes[shape_id] = (version, known)
        if known.shape is None:
            self.ranges.pop(shape_id, None)
        return known

    def span(self, shape: StoredShape, after: Offset) -> tuple[Span, bytes | None]:
        """The range a response from ``after`` carries, with its bytes when it is small enough to
        read whole (None for a larger one, which is streamed)."""
        ranges = self.ranges.get(shape.id)
        if ranges is None or ranges.size < shape.size:
            ranges = self.ranges[shape.id] = _Ranges(shape.size)
        elif ranges.size > shape.size:  # an older read of the shape than the one kept
            return self._read(shape, after)
        found = ranges.spans.get(after)
        if found is None:
            found = self._read(shape, after)
            if len(ranges.spans) < _OFFSETS_KEPT:
                ranges.spans[after] = found
        return found

    def _read(self, shape: StoredShape, after: Offset) -> tuple[Span, bytes | None]:
        span = self.reads.span(shape, after)
        if span.end - span.start >= INLINE_BYTES:
            return span, None
        return span, logfile.read(self.reads.file(shape.handle), span.start, span.end)
