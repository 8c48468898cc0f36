"""A shape's log file: its messages as served, one complete JSON message a line.

Every line is a message followed by ``,`` and a newline, exactly the bytes a response
carries, so a response is ``[``, a byte range of the file, the control messages and ``]``
(:func:`body`): nothing is decoded or encoded per message on the way out. The file starts
with the initial snapshot, which PostgreSQL writes (``COPY``, ordered by primary key, see
:func:`turns.sync.shapes.snapshot_copy`), then the snapshot-end message, then the changes
steps append. The catalog (:mod:`turns.sync.store`) records how much of the file is
committed and where chunks and steps end; bytes past that are a step that did not commit.

While the engine re-reads changed rows to find what changed, the rows a shape holds are
looked up here: in the snapshot by binary search over its sorted lines
(:meth:`Snapshots.rows`), unless a step changed them since (the catalog's overlay).
"""

from __future__ import annotations

import asyncio
import json
import mmap
import os
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any

SEPARATOR = b",\n"
"""What ends every line: a message is ``line[:-2]``."""
_READ_BYTES = 1 << 20


def encode(message: str) -> bytes:
    """A message (compact JSON) as a line of the file."""
    return message.encode() + SEPARATOR


def body(data: bytes, controls: Iterable[str]) -> bytes:
    """A response's JSON array: the lines ``data`` (whole lines of the file) then ``controls``."""
    tail = ",".join(controls)
    if not tail:
        return b"[" + data[: -len(SEPARATOR)] + b"]" if data else b"[]"
    return b"[" + data + tail.encode() + b"]"


class Streamed:
    """A large response's body read from the file as it is sent (the same bytes as :func:`body`): the
    file is opened at once, so a shape removed meanwhile still answers in full."""

    def __init__(self, path: Path, start: int, end: int, controls: Iterable[str]) -> None:
        self.file = path.open("rb", buffering=0)
        self.start = start
        tail = ",".join(controls).encode()
        self.stop = end if tail else end - len(SEPARATOR)
        self.tail = tail + b"]"
        self.length = 1 + self.stop - start + len(self.tail)

    async def parts(self) -> AsyncIterator[bytes]:
        try:
            yield b"["
            position = self.start
            while position < self.stop:
                size = min(_READ_BYTES, self.stop - position)
                part = await asyncio.to_thread(os.pread, self.file.fileno(), size, position)
                if not part:
                    raise OSError(f"{self.file.name} ends before byte {self.stop}")
                position += len(part)
                yield part
            yield self.tail
        finally:
            self.file.close()


def messages(data: bytes) -> list[bytes]:
    """The messages of whole lines of the file (for Server-Sent Events, one event each)."""
    return data.split(SEPARATOR)[:-1] if data else []


def read(path: Path, start: int, end: int) -> bytes:
    """Bytes ``start`` to ``end`` of the file, in large reads."""
    parts: list[bytes] = []
    with path.open("rb", buffering=0) as file:
        position = start
        while position < end:
            part = os.pread(file.fileno(), min(_READ_BYTES * 8, end - position), position)
            if not part:
                raise OSError(f"{path} ends before byte {end}")
            parts.append(part)
            position += len(part)
    return b"".join(parts)


def _pk_of(line: bytes | memoryview) -> bytes:
    """The primary key of a snapshot line, as the JSON of its ``key`` writes it (``"schema"."table"/"pk"``:
    the text after the last ``/\\"``). A key holds a doubled ``/`` only where its value does."""
    raw = bytes(line[: bytes(line).index(b'","value":')])
    return raw[raw.rindex(b'/\\"') + 3 : -2]


class Snapshots:
    """The snapshots of shapes' files mapped into memory, kept open: a step that reads the few rows
    it changed of a shape (see :meth:`rows`) would otherwise open and map the file each time, which
    was a quarter of the engine's time per change. A snapshot (the first bytes of its file, up to its
    end) never changes once written; a removed shape's map is closed (:meth:`forget`), so its file's
    space is given back, and only the most recently used ``limit`` stay open."""

    def __init__(self, limit: int = 256) -> None:
        self.limit = limit
        self.maps: dict[Path, mmap.mmap] = {}

    def rows(
        self, path: Path, end: int, pks: list[str] | None, key: str = "id", *, by_key: bool = True
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """(primary key, value) of the snapshot's rows (the first ``end`` bytes of the file, ordered
        by primary key, the column ``key``, unless not ``by_key``): those of ``pks`` (found by binary
        search, or by reading every row when the rows are in another order), or all of them when None."""
        if end == 0:
            return
        view = self._map(path, end)
        if pks is not None and not by_key:
            wanted = set(pks)
            yield from ((pk, value) for pk, value in self.rows(path, end, None, key) if pk in wanted)
            return
        if pks is None:
            start = 0
            while start < end:
                stop = view.find(b"\n", start, end) + 1
                yield _row(view[start:stop], key)
                start = stop
            return
        for pk in sorted(pks):
            found = _search(view, end, pk.encode())
            if found is not None:
                yield _row(found, key)

    def _map(self, path: Path, end: int) -> mmap.mmap:
        view = self.maps.pop(path, None)
        if view is None or len(view) != end:
            if view is not None:
                view.close()
            with path.open("rb") as file:
                view = mmap.mmap(file.fileno(), end, access=mmap.ACCESS_READ)
            while len(self.maps) >= self.limit:
                self.maps.pop(next(iter(self.maps))).close()
        self.maps[path] = view  # (last: the most recently used)
        return view

    def forget(self, path: Path) -> None:
        view = self.maps.pop(path, None)
        if view is not None:
            view.close()

    def close(self) -> None:
        for view in self.maps.values():
            view.close()
        self.maps.clear()


def _search(view: mmap.mmap, end: int, wanted: bytes) -> bytes | None:
    """The line of primary key ``wanted`` in the sorted lines of ``view[:end]``, if any."""
    low, high = 0, end  # line starts: the line is in [low, high)
    while low < high:
        middle = (low + high) // 2
        start = max(view.rfind(b"\n", low, middle) + 1, low)
        stop = view.find(b"\n", start, end) + 1
        line = view[start:stop]
        pk = _pk_of(line)
        if pk == wanted:
            return line
        if pk < wanted:
            low = stop
        else:
            high = start
    return None


def _row(line: bytes, key: str) -> tuple[str, dict[str, Any]]:
    value: dict[str, Any] = json.loads(line[: -len(SEPARATOR)])["value"]
    return str(value[key]), value


def offsets_in(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(lsn, op_position, end of the line in ``data``) of each change message of ``data``."""
    start = 0
    while start < len(data):
        stop = data.index(b"\n", start) + 1
        headers = json.loads(data[start : stop - len(SEPARATOR)])["headers"]
        yield int(headers["lsn"]), int(headers["op_position"]), stop
        start = stop


def write_at(path: Path, position: int, data: bytes) -> None:
    """Write ``data`` at ``position`` of the file and end the file there: bytes past ``position`` (of a
    step that failed before its commit) are written over. Unbuffered: one step, one system call."""
    fd = os.open(path, os.O_WRONLY)
    try:
        view = memoryview(data)
        while view:
            written = os.pwrite(fd, view, position)
            position += written
            view = view[written:]
        os.ftruncate(fd, position)
    finally:
        os.close(fd)


def truncate(path: Path, size: int) -> bool:
    """Cut the file back to its committed ``size`` (a step that did not commit); False when the
    file is missing or shorter (the shape cannot be served)."""
    try:
        found = path.stat().st_size
    except FileNotFoundError:
        return False
    if found < size:
        return False
    if found > size:
        os.truncate(path, size)
    return True
