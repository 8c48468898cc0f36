"""Writing rows as CSV, Excel (xlsx) or PDF to a binary file, a batch at a time.

CSV and xlsx hold any number of rows in bounded memory: CSV is written as it comes, and
openpyxl's write-only workbook spills rows to a temporary file until the workbook is
closed. A PDF is laid out in memory by fpdf2, so PDF exports are capped at
:data:`PDF_MAX_ROWS`; it has a fixed number of rows per page and the columns of
:attr:`Resource.pdf_columns <turns.exports.datasets.Resource.pdf_columns>`.

Cells a spreadsheet would run as a formula are neutralised (OWASP's CSV injection advice):
in CSV a text value starting with ``= + - @`` or a tab/carriage return gets a leading
``'``; in xlsx such text is stored as a string cell, never a formula.

A writer given a :class:`~turns.exports.readable.Readable` writes the readable form (its
headers, labels, formats and, in a PDF, a title, the filters, the time and totals);
without one it writes the raw form: column names, codes, ISO values.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, BinaryIO, Protocol

from turns.exports.fields import Field
from turns.exports.readable import Readable

if TYPE_CHECKING:
    from openpyxl.cell import Cell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    from turns.exports.pdf_pages import Pages

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
PDF_MAX_ROWS = 20_000
PDF_ROWS_PER_PAGE = 40
XLSX_MAX_CELL = 32_767
PDF_MAX_CHARS = 120  # wider than any column; cut first so fitting stays cheap
_PDF_READABLE_ROW = 3.9  # the readable header is a line taller; the page holds as many rows
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Writer(Protocol):
    def write(self, rows: Sequence[Sequence[object]]) -> None: ...

    def close(self) -> None:
        """Finish the file (the writer does not close ``out``)."""


def text(value: object) -> str:
    """A value as export text: ISO dates and UTC times, JSON for structured values."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _neutralised(value: object, rendered: str) -> str:
    if isinstance(value, str) and rendered.startswith(_FORMULA_START):
        return "'" + rendered
    return rendered


@dataclass(frozen=True)
class PdfNotes:
    """What a readable PDF says above its rows: what it is, with which filters, and when."""

    filters: str
    made: datetime


class CsvWriter:
    def __init__(
        self, out: BinaryIO, columns: Sequence[str], title: str = "", readable: Readable | None = None
    ) -> None:
        self.out = out
        self.readable = readable
        out.write("\ufeff".encode())  # so spreadsheet applications read it as UTF-8
        self._write([readable.headers if readable else columns])

    def write(self, rows: Sequence[Sequence[object]]) -> None:
        readable = self.readable
        if readable is None:
            self._write([_neutralised(v, text(v)) for v in row] for row in rows)
        else:
            fields = readable.fields
            self._write(
                [_neutralised(v, readable.text(f, v)) for f, v in zip(fields, row, strict=True)] for row in rows
            )

    def _write(self, rows: Iterable[Sequence[str]]) -> None:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        self.out.write(buffer.getvalue().encode())

    def close(self) -> None:
        return None


class XlsxWriter:
    def __init__(
        self, out: BinaryIO, columns: Sequence[str], title: str = "", readable: Readable | None = None
    ) -> None:
        # openpyxl adds 7 MB to every process importing it: the API imports it for its first sheet.
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        self.out = out
        self.readable = readable
        self.workbook = Workbook(write_only=True)
        self.sheet: WriteOnlyWorksheet = self.workbook.create_sheet(title=(title or "export")[:31])
        self.new_cell: Callable[[object], Cell] = partial(WriteOnlyCell, self.sheet)
        self.illegal = ILLEGAL_CHARACTERS_RE
        self.sheet.append(readable.headers if readable else list(columns))

    def _cell(self, value: object) -> object:
        if value is None or isinstance(value, bool | int | float | Decimal | date):
            if isinstance(value, datetime) and value.tzinfo is not None:
                return value.astimezone(UTC).replace(tzinfo=None)  # Excel has no time zones
            return value
        return self._text(text(value))

    def _text(self, value: str) -> object:
        rendered = self.illegal.sub("", value)[:XLSX_MAX_CELL]
        if rendered.startswith("="):
            cell = self.new_cell(rendered)
            cell.data_type = "s"
            return cell
        return rendered

    def _readable_cell(self, readable: Readable, f: Field, value: object) -> object:
        if value is None:
            return None
        cell = readable.xlsx(self.new_cell, f, value)
        return self._text(readable.text(f, value)) if cell is None else cell

    def write(self, rows: Sequence[Sequence[object]]) -> None:
        readable = self.readable
        for row in rows:
            if readable is None:
                self.sheet.append([self._cell(v) for v in row])
            else:
                fields = readable.fields
                self.sheet.append([self._readable_cell(readable, f, v) for f, v in zip(fields, row, strict=True)])

    def close(self) -> None:
        self.workbook.save(self.out)  # ZipFile takes a binary file as well as a path


class PdfWriter:
    def __init__(
        self,
        out: BinaryIO,
        columns: Sequence[str],
        title: str = "",
        readable: Readable | None = None,
        notes: PdfNotes | None = None,
    ) -> None:
        from turns.exports.pdf_pages import Pages  # (fpdf's import is a sixth of a process's start)

        self.out = out
        self.readable = readable
        self.pdf: Pages = Pages(title, readable.headers if readable else columns, notes if readable else None)
        self.rows = 0
        self.sums: dict[int, Decimal] = {}
        if readable is not None:
            self.sums = {i: Decimal(0) for i, f in enumerate(readable.fields) if f.kind == "money"}

    def _texts(self, row: Sequence[object]) -> list[str]:
        readable = self.readable
        if readable is None:
            return [text(v) for v in row]
        for i in self.sums:
            value = row[i]
            if isinstance(value, Decimal | int):
                self.sums[i] += value
        return [readable.text(f, v, money_sign=True) for f, v in zip(readable.fields, row, strict=True)]

    def write(self, rows: Sequence[Sequence[object]]) -> None:
        pdf = self.pdf
        height = 4.2 if self.readable is None else _PDF_READABLE_ROW
        for row in rows:
            if self.rows % PDF_ROWS_PER_PAGE == 0:
                pdf.add_page()
            for value in self._texts(row):
                pdf.cell(pdf.width, height, pdf.fit(value))
            pdf.ln(height)
            self.rows += 1

    def _totals(self) -> None:
        """The row count and each amount column's sum (an amount the reader may not read is
        not a field of the export, so it is not summed)."""
        assert self.readable is not None
        pdf = self.pdf
        lines = [f"Total: {self.rows} row{'' if self.rows == 1 else 's'}"]
        lines += [f"{self.readable.fields[i].header}: ${total:,.2f}" for i, total in self.sums.items()]
        pdf.totals(lines)

    def close(self) -> None:
        if self.rows == 0:
            self.pdf.add_page()
        if self.readable is not None:
            self._totals()
        self.out.write(bytes(self.pdf.output()))


WRITERS: dict[str, type[CsvWriter] | type[XlsxWriter] | type[PdfWriter]] = {
    "csv": CsvWriter,
    "xlsx": XlsxWriter,
    "pdf": PdfWriter,
}
