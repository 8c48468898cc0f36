"""A CSV upload as rows of text: the limits on its size, its encoding and its row count.

An upload is refused as a whole (413 or 422, naming the problem) when it is too large to
take, is not UTF-8 text or is not CSV; anything smaller is a row's problem, reported with
the others (see :mod:`turns.imports.service`). Rows are numbered as a spreadsheet shows
them: the header is row 1, the first row of data row 2.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from turns.kit.errors import Unprocessable

MAX_FILE_BYTES = 5 * 1024 * 1024
"""The largest CSV file accepted (413 past it, refused before the rest is read)."""
MAX_ROWS = 10_000
"""The most rows of data one file may hold (422 past it)."""


@dataclass(frozen=True)
class Sheet:
    """The header and the rows of data, each with its row number; blank rows are left out."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


def decode(data: bytes) -> str:
    """``data`` as text: UTF-8, with or without a byte-order mark (spreadsheets write one)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise Unprocessable(
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02X} on line {line} is not UTF-8);"
            " save it as \u201cCSV UTF-8\u201d and upload it again"
        ) from exc
    if "\x00" in text:
        raise Unprocessable("the file holds NUL bytes: it is not a CSV text file")
    return text


def read_sheet(data: bytes) -> Sheet:
    """The rows of a CSV file, or a 422 saying why the file as a whole cannot be read."""
    reader = csv.reader(io.StringIO(decode(data), newline=""))
    rows: list[tuple[int, list[str]]] = []
    try:
        header = [cell.strip() for cell in next(reader, [])]
        if not any(header):
            raise Unprocessable("the file is empty: its first row must name the columns")
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_ROWS:
                raise Unprocessable(f"the file has more than {MAX_ROWS:,} rows; split it into files of at most that")
            rows.append((number, cells))
    except csv.Error as exc:
        raise Unprocessable(f"line {reader.line_num} of the file cannot be read as CSV: {exc}") from exc
    return Sheet(header, rows)
