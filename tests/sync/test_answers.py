"""Reads shared by a shape's requests: kept until the shape's requests are woken, never older."""

from __future__ import annotations

from pathlib import Path

from tests.sync.catalog import append as _append
from tests.sync.catalog import catalog as _catalog
from turns.sync import logfile
from turns.sync.answers import Answers
from turns.sync.offsets import Offset
from turns.sync.waiters import Waiters


def test_a_shape_is_read_again_once_its_requests_are_woken(tmp_path: Path) -> None:
    writer, reader, shape_id = _catalog(tmp_path)
    waiters, position = Waiters(), [10]
    answers = Answers(reader, waiters, lambda: position[0])
    first = answers.by_handle("h-1")
    assert first.shape is not None and first.seen == 10
    _append(writer, shape_id, 20, '{"key":"a","value":{"id":"a","n":1}}')
    position[0] = 21
    # Until the engine wakes the shape's requests, they are answered from the read they share.
    kept = answers.by_handle("h-1")
    assert kept == first
    waiters.wake([shape_id])
    fresh = answers.by_handle("h-1")
    assert fresh.shape is not None and fresh.shape.head == Offset(20, 1) and fresh.seen == 21
    span, data = answers.span(fresh.shape, Offset(0, 0))
    assert (span.offset, span.up_to_date) == (Offset(20, 1), True)
    assert data == logfile.encode('{"key":"a","value":{"id":"a","n":1}}')


def test_the_bytes_after_an_offset_are_read_once_per_size_of_the_log(tmp_path: Path) -> None:
    writer, reader, shape_id = _catalog(tmp_path)
    waiters = Waiters()
    answers = Answers(reader, waiters, lambda: 0)
    _append(writer, shape_id, 20, '{"key":"a","value":{"n":1}}')
    waiters.wake([shape_id])
    shape = answers.by_id(shape_id).shape
    assert shape is not None
    first = answers.span(shape, Offset(0, 0))
    # The file is not read again for the same size (a log only grows: its bytes stay what they were).
    writer.file("h-1").write_bytes(writer.file("h-1").read_bytes().replace(b'"n":1', b'"n":9'))
    assert answers.span(shape, Offset(0, 0)) == first
    _append(writer, shape_id, 30, '{"key":"a","value":{"n":2}}')
    waiters.wake([shape_id])
    grown = answers.by_id(shape_id).shape
    assert grown is not None and grown.size > shape.size
    span, data = answers.span(grown, Offset(0, 0))
    assert data is not None and b'"n":9' in data and b'"n":2' in data and span.offset == Offset(30, 1)
    # A request holding the older read of the shape reads for itself.
    older_span, older = answers.span(shape, Offset(20, 1))
    assert (older_span.start, older_span.end, older) == (shape.size, shape.size, b"")


def test_a_removed_shape_or_a_restarted_engine_is_read_again(tmp_path: Path) -> None:
    writer, reader, shape_id = _catalog(tmp_path)
    waiters = Waiters()
    answers = Answers(reader, waiters, lambda: 0)
    assert answers.by_handle("h-1").shape is not None
    writer.delete(shape_id)
    waiters.wake_all()  # what a worker does when the engine's process went away: no shape is held
    assert answers.by_handle("h-1").shape is None
    assert answers.by_id(shape_id).shape is None
