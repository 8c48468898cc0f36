"""A shape's catalog entry and log file, written as the engine writes them, for tests of what reads them."""

from __future__ import annotations

from pathlib import Path

from turns.sync import logfile
from turns.sync.offsets import Offset
from turns.sync.store import Appended, Snapshot, Store

_SNAPSHOT = logfile.encode('{"key":"a","value":{"id":"a"}}') + logfile.encode('{"headers":{"control":"snapshot-end"}}')


def catalog(tmp_path: Path) -> tuple[Store, Store, int]:
    """The engine's catalog, a reader's, and a shape holding a one-row snapshot."""
    writer, reader = Store(tmp_path), Store(tmp_path)
    with writer.transaction():
        shape_id = writer.insert_shape(
            handle="h-1",
            key="k",
            definition={"table": "vendors"},
            user_id="u",
            table="vendors",
            snapshot=Snapshot(rows=1, rows_end=len(_SNAPSHOT) // 2, size=len(_SNAPSHOT), chunk_ends=[len(_SNAPSHOT)]),
        )
    writer.file("h-1").write_bytes(_SNAPSHOT)
    return writer, reader, shape_id


def append(writer: Store, shape_id: int, lsn: int, line: str) -> None:
    shape = writer.by_id(shape_id)
    assert shape is not None
    data = logfile.encode(line)
    with writer.file(shape.handle).open("ab") as file:
        file.write(data)
    size = shape.size + len(data)
    with writer.transaction():
        writer.append(shape, Appended(Offset(lsn, 1), size, shape.chunk_start, [(Offset(lsn, 1), size, False)], 1, 0))
