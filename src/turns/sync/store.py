"""The catalog of shape logs (SQLite, beside the log files in the sync folder).

For every shape: its definition, its log file (:mod:`turns.sync.logfile`) and how much of it
is committed, and the *marks* of the file: where each snapshot chunk, each step and each
change chunk ends (byte position per offset), which is all a response needs to find its byte
range. The rows a step changed since the snapshot are kept too (the *overlay*: their values
as the shape holds them, or none once deleted), because the snapshot's lines no longer say
what the client holds of them. A restart resumes from here; memory holds none of it. The
engine is the only writer; readers are the shape requests of the same process.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from turns.sync import logfile
from turns.sync.offsets import INF, Offset

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS shapes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  handle TEXT NOT NULL UNIQUE,
  key TEXT NOT NULL UNIQUE,
  definition TEXT NOT NULL,
  user_id TEXT NOT NULL,
  table_name TEXT NOT NULL,
  head_tx INTEGER NOT NULL DEFAULT 0,
  head_op INTEGER NOT NULL DEFAULT 0,
  size INTEGER NOT NULL DEFAULT 0,
  snapshot_end INTEGER NOT NULL DEFAULT 0,
  log_start INTEGER NOT NULL DEFAULT 0,
  snapshot_chunks INTEGER NOT NULL DEFAULT 0,
  chunk_start INTEGER NOT NULL DEFAULT 0,
  row_count INTEGER NOT NULL DEFAULT 0,
  log_count INTEGER NOT NULL DEFAULT 0,
  created_at REAL NOT NULL,
  used_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS marks (
  shape INTEGER NOT NULL, tx INTEGER NOT NULL, op INTEGER NOT NULL, pos INTEGER NOT NULL,
  closes INTEGER NOT NULL, PRIMARY KEY (shape, tx, op)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chunk_ends ON marks (shape, pos) WHERE closes;
CREATE TABLE IF NOT EXISTS overlay (id INTEGER PRIMARY KEY, shape INTEGER NOT NULL, pk TEXT NOT NULL, value TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS overlay_key ON overlay (shape, pk);
"""

# A row is a whole row's JSON (about 2 kB of a turn's): a table without rowid keeps such rows in
# the leaves of its key's tree, a few to a page and spilling over, so a look-up read several pages,
# more as the overlay grew (the engine's changes per second fell by half over 100k changed rows). A
# rowid table keeps them apart from the small index of keys. A catalog of the earlier form is moved
# over, in one transaction, when the engine opens it.
_OVERLAY_AS_ROWID = (
    # (a reader may have given the old table the new index's name)
    "BEGIN IMMEDIATE; DROP INDEX IF EXISTS overlay_key; ALTER TABLE overlay RENAME TO overlay_without_rowid;"
    + _SCHEMA
    + "INSERT INTO overlay (shape, pk, value) SELECT shape, pk, value FROM overlay_without_rowid;"
    " DROP TABLE overlay_without_rowid; COMMIT;"
)


@dataclass(frozen=True)
class StoredShape:
    id: int
    handle: str
    key: str
    definition: dict[str, Any]
    user_id: str
    table: str
    head: Offset
    size: int
    """Committed bytes of the log file."""
    snapshot_end: int
    """Where the snapshot's rows end (they are ordered by primary key before it)."""
    log_start: int
    """Where the changes begin (after the snapshot-end message)."""
    snapshot_chunks: int
    """How many chunks the snapshot has: offsets ``0_0`` ... ``0_<n-1>`` end them (0 for ``changes_only``)."""
    chunk_start: int
    """Where the change chunk being filled began."""
    row_count: int
    log_count: int
    used_at: float


@dataclass(frozen=True)
class Span:
    """The bytes of a response: ``start`` to ``end`` of the file, and the offset that ends them."""

    start: int
    end: int
    offset: Offset
    up_to_date: bool


class Store:
    """The catalog in ``folder``/shapes.sqlite3, the log files in ``folder``/logs.

    The engine's own store (``writer``), the only one that changes the catalog, keeps the shapes it
    read by id in memory and keeps them current itself (a step reads every shape it touches, which
    was a tenth of its time per change); a rolled back transaction forgets them all."""

    def __init__(self, folder: Path, *, writer: bool = False) -> None:
        self.known: dict[int, StoredShape] | None = {} if writer else None
        self.logs = folder / "logs"
        self.logs.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.db = sqlite3.connect(folder / "shapes.sqlite3", isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        if writer:
            self.db.execute("PRAGMA mmap_size=1073741824")  # (the overlay's look-ups: a step reads many pages)
        migrate = writer and "WITHOUT ROWID" in self._definition("overlay")
        self.db.executescript(_OVERLAY_AS_ROWID if migrate else _SCHEMA)

    def _definition(self, table: str) -> str:
        row = self.db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
        return "" if row is None else str(row[0])

    def close(self) -> None:
        self.db.close()

    def file(self, handle: str) -> Path:
        """The log file of the shape ``handle`` (a handle is never reused). The same path object each
        time: a step looks up a shape's open map by it, and a path hashes once."""
        return _log_file(self.logs, handle)

    # -- meta --
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- shapes --
    _COLUMNS = (
        "id, handle, key, definition, user_id, table_name, head_tx, head_op, size, snapshot_end, log_start,"
        " snapshot_chunks, chunk_start, row_count, log_count, used_at"
    )

    def _shape(self, row: tuple[Any, ...] | None) -> StoredShape | None:
        if row is None:
            return None
        return StoredShape(
            id=row[0],
            handle=row[1],
            key=row[2],
            definition=json.loads(row[3]),
            user_id=row[4],
            table=row[5],
            head=Offset(row[6], row[7]),
            size=row[8],
            snapshot_end=row[9],
            log_start=row[10],
            snapshot_chunks=row[11],
            chunk_start=row[12],
            row_count=row[13],
            log_count=row[14],
            used_at=row[15],
        )

    def by_key(self, key: str) -> StoredShape | None:
        return self._shape(self.db.execute(f"SELECT {self._COLUMNS} FROM shapes WHERE key = ?", (key,)).fetchone())

    def by_handle(self, handle: str) -> StoredShape | None:
        return self._shape(
            self.db.execute(f"SELECT {self._COLUMNS} FROM shapes WHERE handle = ?", (handle,)).fetchone()
        )

    def by_id(self, shape_id: int) -> StoredShape | None:
        if self.known is not None and shape_id in self.known:
            return self.known[shape_id]
        found = self._shape(self.db.execute(f"SELECT {self._COLUMNS} FROM shapes WHERE id = ?", (shape_id,)).fetchone())
        if self.known is not None and found is not None:
            self.known[shape_id] = found
        return found

    def all_shapes(self) -> list[StoredShape]:
        rows = self.db.execute(f"SELECT {self._COLUMNS} FROM shapes ORDER BY id").fetchall()
        return [shape for shape in (self._shape(r) for r in rows) if shape is not None]

    def of_table(self, table: str) -> list[StoredShape]:
        rows = self.db.execute(f"SELECT {self._COLUMNS} FROM shapes WHERE table_name = ? ORDER BY id", (table,))
        return [shape for shape in (self._shape(r) for r in rows.fetchall()) if shape is not None]

    def insert_shape(
        self, *, handle: str, key: str, definition: dict[str, Any], user_id: str, table: str, snapshot: Snapshot
    ) -> int:
        """A shape whose file holds ``snapshot`` (inside the caller's transaction)."""
        now = time.time()
        cursor = self.db.execute(
            "INSERT INTO shapes (handle, key, definition, user_id, table_name, head_tx, head_op, size, snapshot_end,"
            " log_start, snapshot_chunks, chunk_start, row_count, log_count, created_at, used_at)"
            " VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                handle,
                key,
                json.dumps(definition, sort_keys=True),
                user_id,
                table,
                INF,
                snapshot.size,
                snapshot.rows_end,
                snapshot.size,
                len(snapshot.chunk_ends),
                snapshot.size,
                snapshot.rows,
                snapshot.rows,
                now,
                now,
            ),
        )
        shape_id = int(cursor.lastrowid or 0)
        self.db.executemany(
            "INSERT INTO marks (shape, tx, op, pos, closes) VALUES (?, 0, ?, ?, 1)",
            ((shape_id, index, pos) for index, pos in enumerate(snapshot.chunk_ends)),
        )
        return shape_id

    def delete(self, shape_id: int) -> None:
        if self.known is not None:
            self.known.pop(shape_id, None)
        with self.transaction():
            self.db.execute("DELETE FROM marks WHERE shape = ?", (shape_id,))
            self.db.execute("DELETE FROM overlay WHERE shape = ?", (shape_id,))
            self.db.execute("DELETE FROM shapes WHERE id = ?", (shape_id,))

    # -- the rows steps changed since the snapshot --
    def overlay(self, shape_id: int, pks: Iterable[str] | None = None) -> dict[str, str | None]:
        """(primary key → value as JSON, or None when the shape no longer holds it) of ``pks`` (all when None)."""
        if pks is None:
            found = self.db.execute("SELECT pk, value FROM overlay WHERE shape = ?", (shape_id,)).fetchall()
            return {str(pk): value for pk, value in found}
        result: dict[str, str | None] = {}
        for pk in pks:
            row = self.db.execute("SELECT value FROM overlay WHERE shape = ? AND pk = ?", (shape_id, pk)).fetchone()
            if row is not None:
                result[pk] = row[0]
        return result

    def put_overlay(self, shape_id: int, rows: Iterable[tuple[str, str | None]]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO overlay (shape, pk, value) VALUES (?, ?, ?)", ((shape_id, k, v) for k, v in rows)
        )

    # -- the log --
    def append(self, shape: StoredShape, step: Appended) -> None:
        """Record a step written at the end of the shape's file (inside the caller's transaction)."""
        self.db.executemany(
            "INSERT INTO marks (shape, tx, op, pos, closes) VALUES (?, ?, ?, ?, ?)",
            ((shape.id, m.tx, m.op, pos, closes) for m, pos, closes in step.marks),
        )
        self.db.execute(
            "UPDATE shapes SET head_tx = ?, head_op = ?, size = ?, chunk_start = ?, log_count = log_count + ?,"
            " row_count = row_count + ? WHERE id = ?",
            (step.head.tx, step.head.op, step.size, step.chunk_start, step.messages, step.row_delta, shape.id),
        )
        if self.known is not None:
            self.known[shape.id] = replace(
                shape,
                head=step.head,
                size=step.size,
                chunk_start=step.chunk_start,
                log_count=shape.log_count + step.messages,
                row_count=shape.row_count + step.row_delta,
            )

    def first_chunk(self, shape: StoredShape) -> Span:
        """The answer to ``offset=-1``: the snapshot's first chunk, ending at ``0_0``."""
        return Span(0, self._mark(shape.id, Offset(0, 0)), Offset(0, 0), False)

    def span(self, shape: StoredShape, after: Offset) -> Span:
        """The bytes a response from ``after`` carries: the next snapshot chunk, or the log from ``after`` to
        the end of its chunk (or to the head)."""
        if after.tx == 0 and after.op + 1 < shape.snapshot_chunks:
            start, end = (self._mark(shape.id, Offset(0, op)) for op in (after.op, after.op + 1))
            return Span(start, end, Offset(0, after.op + 1), False)
        if after >= shape.head:
            return Span(shape.size, shape.size, max(after, shape.head), True)
        if after.tx <= 0:
            return self._to_chunk_end(shape, shape.log_start)
        row = self.db.execute(
            "SELECT tx, op, pos FROM marks WHERE shape = ? AND tx > 0 AND (tx, op) <= (?, ?) ORDER BY tx DESC, op DESC"
            " LIMIT 1",
            (shape.id, after.tx, after.op),
        ).fetchone()
        if row is None:
            return self._to_chunk_end(shape, shape.log_start)
        start = int(row[2])
        if (row[0], row[1]) != (after.tx, after.op):
            # Inside a step (an offset no response gave): past its messages up to ``after``.
            following = self.db.execute(
                "SELECT pos FROM marks WHERE shape = ? AND (tx, op) > (?, ?) ORDER BY tx, op LIMIT 1",
                (shape.id, after.tx, after.op),
            ).fetchone()
            data = logfile.read(self.file(shape.handle), start, shape.size if following is None else int(following[0]))
            start += max((stop for tx, op, stop in logfile.offsets_in(data) if Offset(tx, op) <= after), default=0)
        return self._to_chunk_end(shape, start)

    def _to_chunk_end(self, shape: StoredShape, start: int) -> Span:
        row = self.db.execute(
            "SELECT tx, op, pos FROM marks WHERE shape = ? AND closes AND tx > 0 AND pos > ? ORDER BY pos LIMIT 1",
            (shape.id, start),
        ).fetchone()
        if row is None or row[2] >= shape.size:
            return Span(start, shape.size, shape.head, True)
        return Span(start, row[2], Offset(row[0], row[1]), Offset(row[0], row[1]) >= shape.head)

    def _mark(self, shape_id: int, offset: Offset) -> int:
        row = self.db.execute(
            "SELECT pos FROM marks WHERE shape = ? AND tx = ? AND op = ?", (shape_id, offset.tx, offset.op)
        ).fetchone()
        if row is None:
            raise LookupError(f"no mark at {offset}")
        return int(row[0])

    # -- transactions --
    def transaction(self) -> _Transaction:
        return _Transaction(self.db, self.known)


@dataclass(frozen=True)
class Snapshot:
    """What a new shape's file holds once its snapshot is written."""

    rows: int
    rows_end: int
    size: int
    chunk_ends: list[int]


@dataclass(frozen=True)
class Appended:
    """A step written at the end of a shape's file."""

    head: Offset
    size: int
    chunk_start: int
    marks: list[tuple[Offset, int, bool]]
    """(offset, end position, whether a chunk closes there): every chunk closed, and the step's end."""
    messages: int
    row_delta: int


@functools.lru_cache(maxsize=4096)
def _log_file(logs: Path, handle: str) -> Path:
    return logs / f"{handle}.log"


class _Transaction:
    def __init__(self, db: sqlite3.Connection, known: dict[int, StoredShape] | None) -> None:
        self.db, self.known = db, known
        self.depth = 0

    def __enter__(self) -> None:
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")
            self.depth = 1

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        if self.depth:
            self.db.execute("ROLLBACK" if kind is not None else "COMMIT")
            if kind is not None and self.known is not None:
                self.known.clear()
