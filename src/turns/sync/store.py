"""Shape logs on disk (SQLite, in the sync folder of the data directory).

For every shape: its definition, the rows its user currently holds (to tell inserts,
updates and deletes apart, and which columns changed), and its log: the messages a
client replays from an offset. A restart resumes from here; memory holds none of it.
The engine is the only writer; readers are the shape requests of the same process.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from turns.sync.offsets import Offset

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS shapes (
  id INTEGER PRIMARY KEY,
  handle TEXT NOT NULL UNIQUE,
  key TEXT NOT NULL UNIQUE,
  definition TEXT NOT NULL,
  user_id TEXT NOT NULL,
  table_name TEXT NOT NULL,
  head_tx INTEGER NOT NULL DEFAULT 0,
  head_op INTEGER NOT NULL DEFAULT 0,
  row_count INTEGER NOT NULL DEFAULT 0,
  log_count INTEGER NOT NULL DEFAULT 0,
  created_at REAL NOT NULL,
  used_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS rows (
  shape INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (shape, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log (
  shape INTEGER NOT NULL, tx INTEGER NOT NULL, op INTEGER NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (shape, tx, op)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class StoredShape:
    id: int
    handle: str
    key: str
    definition: dict[str, Any]
    user_id: str
    table: str
    head: Offset
    row_count: int
    log_count: int
    used_at: float


@dataclass(frozen=True)
class Entry:
    offset: Offset
    body: str


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    # -- meta --
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- shapes --
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
            row_count=row[8],
            log_count=row[9],
            used_at=row[10],
        )

    _COLUMNS = "id, handle, key, definition, user_id, table_name, head_tx, head_op, row_count, log_count, used_at"

    def by_key(self, key: str) -> StoredShape | None:
        return self._shape(self.db.execute(f"SELECT {self._COLUMNS} FROM shapes WHERE key = ?", (key,)).fetchone())

    def by_handle(self, handle: str) -> StoredShape | None:
        return self._shape(
            self.db.execute(f"SELECT {self._COLUMNS} FROM shapes WHERE handle = ?", (handle,)).fetchone()
        )

    def by_id(self, shape_id: int) -> StoredShape | None:
        return self._shape(self.db.execute(f"SELECT {self._COLUMNS} FROM shapes WHERE id = ?", (shape_id,)).fetchone())

    def all_shapes(self) -> list[StoredShape]:
        rows = self.db.execute(f"SELECT {self._COLUMNS} FROM shapes ORDER BY id").fetchall()
        return [shape for shape in (self._shape(r) for r in rows) if shape is not None]

    def insert_shape(self, *, handle: str, key: str, definition: dict[str, Any], user_id: str, table: str) -> int:
        """A new, empty shape (inside the caller's transaction); its snapshot follows by :meth:`add_snapshot`."""
        now = time.time()
        cursor = self.db.execute(
            "INSERT INTO shapes (handle, key, definition, user_id, table_name, created_at, used_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (handle, key, json.dumps(definition, sort_keys=True), user_id, table, now, now),
        )
        return int(cursor.lastrowid or 0)

    def add_snapshot(self, shape_id: int, first_op: int, bodies: list[str]) -> int:
        """Snapshot messages at offsets ``0_<first_op>``, ...; returns the next op."""
        self.db.executemany(
            "INSERT INTO log (shape, tx, op, body) VALUES (?, 0, ?, ?)",
            ((shape_id, first_op + index, body) for index, body in enumerate(bodies)),
        )
        return first_op + len(bodies)

    def set_head(self, shape_id: int, head: Offset, *, rows: int, entries: int) -> None:
        self.db.execute(
            "UPDATE shapes SET head_tx = ?, head_op = ?, row_count = ?, log_count = ? WHERE id = ?",
            (head.tx, head.op, rows, entries, shape_id),
        )

    def delete(self, shape_id: int) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM log WHERE shape = ?", (shape_id,))
            self.db.execute("DELETE FROM rows WHERE shape = ?", (shape_id,))
            self.db.execute("DELETE FROM shapes WHERE id = ?", (shape_id,))

    # -- rows a shape holds --
    def put_rows(self, shape_id: int, rows: Iterable[tuple[str, str]]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO rows (shape, key, value) VALUES (?, ?, ?)", ((shape_id, k, v) for k, v in rows)
        )

    def drop_rows(self, shape_id: int, keys: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM rows WHERE shape = ? AND key = ?", ((shape_id, k) for k in keys))

    def rows_for(self, shape_id: int, keys: Iterable[str] | None = None) -> dict[str, str]:
        if keys is None:
            found = self.db.execute("SELECT key, value FROM rows WHERE shape = ?", (shape_id,)).fetchall()
            return {str(k): str(v) for k, v in found}
        result: dict[str, str] = {}
        for key in keys:
            row = self.db.execute("SELECT value FROM rows WHERE shape = ? AND key = ?", (shape_id, key)).fetchone()
            if row is not None:
                result[key] = str(row[0])
        return result

    # -- the log --
    def append(self, shape_id: int, tx: int, bodies: list[str], row_delta: int) -> Offset:
        """Add ``bodies`` at offsets ``tx_1``, ``tx_3``, ...; returns the new head."""
        for index, body in enumerate(bodies):
            self.db.execute(
                "INSERT INTO log (shape, tx, op, body) VALUES (?, ?, ?, ?)", (shape_id, tx, 2 * index + 1, body)
            )
        head = Offset(tx, 2 * len(bodies) - 1)
        self.db.execute(
            "UPDATE shapes SET head_tx = ?, head_op = ?, log_count = log_count + ?, row_count = row_count + ?"
            " WHERE id = ?",
            (head.tx, head.op, len(bodies), row_delta, shape_id),
        )
        return head

    def read(self, shape_id: int, after: Offset, max_bytes: int) -> tuple[list[Entry], bool]:
        """Entries after ``after``, at most about ``max_bytes`` (at least one); and whether the log ended."""
        cursor = self.db.execute(
            # A row-value comparison is a range scan of the primary key (an OR would rescan the log).
            "SELECT tx, op, body FROM log WHERE shape = ? AND (tx, op) > (?, ?) ORDER BY tx, op",
            (shape_id, after.tx, after.op),
        )
        entries: list[Entry] = []
        size = 0
        for tx, op, body in cursor:
            if entries and size + len(body) > max_bytes:
                cursor.close()
                return entries, False
            entries.append(Entry(Offset(tx, op), body))
            size += len(body)
        return entries, True

    # -- transactions --
    def transaction(self) -> _Transaction:
        return _Transaction(self.db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.depth = 0

    def __enter__(self) -> None:
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")
            self.depth = 1

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        if self.depth:
            self.db.execute("ROLLBACK" if kind is not None else "COMMIT")
