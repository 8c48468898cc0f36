"""Log lines are written whole: one write each, so that processes sharing a stream (the workers
and the parent of ``turns up``, all on one terminal or pipe) never split each other's lines."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from turns.kit import logging as turns_logging


class Writes(io.StringIO):
    """A stream that keeps each write it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def write(self, text: str) -> int:
        self.calls.append(text)
        return len(text)


def test_each_log_line_is_one_write(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = Writes()
    monkeypatch.setattr(sys, "stderr", stream)
    try:
        turns_logging.configure("info")
        turns_logging.get_logger("turns.test-whole-lines").info("first", n=1)
        logging.getLogger("turns.test-whole-lines.stdlib").warning("second")
    finally:
        monkeypatch.undo()
        turns_logging.configure("info")
    lines = [call for call in stream.calls if call]
    assert len(lines) == 2
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines), lines
    assert '"event": "first"' in lines[0] and '"event": "second"' in lines[1]
