"""A shape's log file: the rows a snapshot holds found by binary search, a step cut back on restart."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest

from turns.sync import logfile
from turns.sync.protocol import dumps, row_key


def _snapshot(path: Path, pks: list[str]) -> int:
    """A file of insert lines as COPY writes them (ordered by key), then a control line; the end of the rows."""
    lines = [
        logfile.encode(
            dumps(
                {
                    "key": row_key("vendors", pk),
                    "value": {"id": pk, "company_name": f'Co "{n}" \\ / ü', "city": None},
                    "headers": {"operation": "insert", "relation": ["public", "vendors"]},
                }
            )
        )
        for n, pk in enumerate(sorted(pks))
    ]
    rows = b"".join(lines)
    path.write_bytes(rows + logfile.encode(dumps({"headers": {"control": "snapshot-end"}})))
    return len(rows)


def test_rows_are_found_by_key_in_a_sorted_snapshot(tmp_path: Path) -> None:
    pks = [str(uuid.UUID(int=n * 7_919_000_000_000_000_000_000_000_001 % 2**128)) for n in range(1, 300)]
    path = tmp_path / "shape.log"
    end = _snapshot(path, pks)
    ordered = sorted(pks)
    wanted = [ordered[0], ordered[-1], ordered[150], str(uuid.UUID(int=1)), str(uuid.UUID(int=2**128 - 1))]
    found = dict(logfile.Snapshots().rows(path, end, wanted))
    assert sorted(found) == sorted(wanted[:3])  # the last two are not in the snapshot
    assert found[ordered[150]] == {"id": ordered[150], "company_name": 'Co "150" \\ / ü', "city": None}
    everything = dict(logfile.Snapshots().rows(path, end, None))
    assert list(everything) == ordered
    assert dict(logfile.Snapshots().rows(path, 0, wanted)) == {}


def test_every_key_of_a_small_snapshot_is_found(tmp_path: Path) -> None:
    for size in range(1, 6):
        pks = [str(uuid.uuid4()) for _ in range(size)]
        path = tmp_path / f"{size}.log"
        end = _snapshot(path, pks)
        assert sorted(dict(logfile.Snapshots().rows(path, end, pks))) == sorted(pks)
        assert dict(logfile.Snapshots().rows(path, end, [str(uuid.uuid4())])) == {}


def test_rows_of_a_snapshot_in_another_order_are_found_by_reading_it(tmp_path: Path) -> None:
    pks = [str(n) for n in (10, 2, 33, 4)]  # a generic table's keys, as the table was read
    path = tmp_path / "generic.log"
    lines = [
        logfile.encode(dumps({"key": f'"s"."t"/"{pk}"', "value": {"n": pk}, "headers": {"operation": "insert"}}))
        for pk in pks
    ]
    path.write_bytes(b"".join(lines))
    end = len(b"".join(lines))
    assert dict(logfile.Snapshots().rows(path, end, ["33", "2", "5"], "n", by_key=False)) == {
        "33": {"n": "33"},
        "2": {"n": "2"},
    }


def test_snapshots_stay_mapped_up_to_the_limit_and_a_removed_one_is_let_go(tmp_path: Path) -> None:
    snapshots = logfile.Snapshots(limit=2)
    paths = [tmp_path / f"{n}.log" for n in range(3)]
    keys = [[str(uuid.uuid4())] for _ in paths]
    ends = [_snapshot(path, pks) for path, pks in zip(paths, keys, strict=True)]
    for path, end, pks in zip(paths, ends, keys, strict=True):
        assert list(dict(snapshots.rows(path, end, pks))) == pks
    assert list(snapshots.maps) == paths[1:]  # the least recently used was closed
    assert list(dict(snapshots.rows(paths[1], ends[1], keys[1]))) == keys[1]
    assert list(snapshots.maps) == [paths[2], paths[1]]
    kept = snapshots.maps[paths[1]]
    snapshots.forget(paths[1])
    assert kept.closed and list(snapshots.maps) == [paths[2]]


def test_a_step_past_the_committed_size_is_cut_on_restart(tmp_path: Path) -> None:
    path = tmp_path / "shape.log"
    path.write_bytes(b'{"a":1},\n{"b":2},\n')
    assert logfile.truncate(path, 9)
    assert path.read_bytes() == b'{"a":1},\n'
    assert not logfile.truncate(path, 100)  # shorter than committed: the shape cannot be served
    assert not logfile.truncate(tmp_path / "missing.log", 0)


def test_offsets_of_change_lines(tmp_path: Path) -> None:
    lines = b"".join(
        logfile.encode(dumps({"key": "k", "headers": {"operation": "insert", "lsn": "77", "op_position": op}}))
        for op in (1, 3)
    )
    first = lines.index(b"\n") + 1
    assert list(logfile.offsets_in(lines)) == [(77, 1, first), (77, 3, len(lines))]
    assert [json.loads(m)["headers"]["op_position"] for m in logfile.messages(lines)] == [1, 3]


@pytest.mark.parametrize("controls", [[], ['{"headers":{"control":"up-to-date"}}']])
def test_a_streamed_body_is_the_same_bytes_as_a_read_one(tmp_path: Path, controls: list[str]) -> None:
    path = tmp_path / "shape.log"
    end = _snapshot(path, [str(uuid.uuid4()) for _ in range(40)])
    start = path.read_bytes().index(b"\n") + 1  # from the second line
    streamed = logfile.Streamed(path, start, end, controls)

    async def collect() -> bytes:
        return b"".join([part async for part in streamed.parts()])

    sent = asyncio.run(collect())
    assert sent == logfile.body(logfile.read(path, start, end), controls)
    assert len(sent) == streamed.length
    assert len(json.loads(sent)) == 39 + len(controls)  # the rows after the first, then the controls
