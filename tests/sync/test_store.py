"""The engine's catalog keeps the shapes it read in memory: always what the catalog itself says."""

from __future__ import annotations

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
