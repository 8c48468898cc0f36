"""The engine's catalog keeps the shapes it read in memory: always what the catalog itself says."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.sync.catalog import append as _append
from tests.sync.catalog import catalog as _catalog
from turns.sync.offsets import Offset
from turns.sync.store import Appended, Store


def test_the_engines_shapes_in_memory_are_the_catalogs(tmp_path: Path) -> None:
    _, reader, shape_id = _catalog(tmp_path)
    writer = Store(tmp_path, writer=True)
    before = writer.by_id(shape_id)
    assert before is not None and before == reader.by_id(shape_id)
    _append(writer, shape_id, 20, '{"key":"a","value":{"n":1}}')
    _append(writer, shape_id, 30, '{"key":"a","value":{"n":2}}')
    kept = writer.by_id(shape_id)
    assert kept is not None and kept.head == Offset(30, 1) and kept.log_count == before.log_count + 2
    assert kept == reader.by_id(shape_id)
    writer.delete(shape_id)
    assert writer.by_id(shape_id) is None


def test_a_rolled_back_step_is_forgotten(tmp_path: Path) -> None:
    _, reader, shape_id = _catalog(tmp_path)
    writer = Store(tmp_path, writer=True)
    shape = writer.by_id(shape_id)
    assert shape is not None
    with pytest.raises(RuntimeError), writer.transaction():
        step = Appended(
            Offset(40, 1), shape.size + 10, shape.chunk_start, [(Offset(40, 1), shape.size + 10, False)], 1, 0
        )
        writer.append(shape, step)
        assert writer.by_id(shape_id) != shape  # (inside the transaction: what it will commit)
        raise RuntimeError("the step failed")
    assert writer.by_id(shape_id) == reader.by_id(shape_id) == shape


def test_an_overlay_of_the_earlier_form_is_moved_over_with_its_rows(tmp_path: Path) -> None:
    earlier = sqlite3.connect(tmp_path / "shapes.sqlite3")
    earlier.execute(
        "CREATE TABLE overlay (shape INTEGER NOT NULL, pk TEXT NOT NULL, value TEXT, PRIMARY KEY (shape, pk))"
        " WITHOUT ROWID"
    )
    earlier.executemany(
        "INSERT INTO overlay VALUES (?, ?, ?)", [(1, "a", '{"id":"a","n":"1"}'), (1, "b", None), (2, "a", "{}")]
    )
    earlier.commit()
    earlier.close()
    Store(tmp_path)  # (a reader leaves the catalog as it is)
    writer = Store(tmp_path, writer=True)
    assert "WITHOUT ROWID" not in writer._definition("overlay")
    assert writer.overlay(1) == {"a": '{"id":"a","n":"1"}', "b": None}
    assert writer.overlay(1, ["b", "c"]) == {"b": None}
    assert writer.overlay(2) == {"a": "{}"}
    writer.put_overlay(1, [("a", None)])
    assert writer.overlay(1, ["a"]) == {"a": None}
