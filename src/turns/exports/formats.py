"""Writing rows as CSV, Excel (xlsx) or PDF to a binary file, a batch at a time.

CSV and xlsx hold any number of rows in bounded memory: CSV is written as it comes, and
openpyxl's write-only workbook spills rows to a temporary file until the workbook is
closed. A PDF is laid out in memory by fpdf2, so PDF exports are capped at
:data:`PDF_MAX_ROWS`; it has a fixed number of rows per page and the columns of
:attr:`Resource.pdf_columns <turns.exports.datasets.Resource.pdf_columns>`.

Cells a spreadsheet would run as a formula are neutralised (OWASP's CSV injection advice):
in CSV a text value starting with ``= + - @`` or a tab/carriage return gets a leading
``'``; in xlsx such text is stored as a string cell, never a formula.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import BinaryIO, Protocol

from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
PDF_MAX_ROWS = 20_000
PDF_ROWS_PER_PAGE = 40
XLSX_MAX_CELL = 32_767
_PDF_MAX_CHARS = 120  # wider than any column; cut first so fitting stays cheap
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


def _csv_cell(value: object) -> str:
    rendered = text(value)
    if isinstance(value, str) and rendered.startswith(_FORMULA_START):
        return "'" + rendered
    return rendered


class CsvWriter:
    def __init__(self, out: BinaryIO, columns: Sequence[str], title: str = "") -> None:
        self.out = out
        out.write("\ufeff".encode())  # so spreadsheet applications read it as UTF-8
        self.write([columns], cells=False)

    def write(self, rows: Sequence[Sequence[object]], *, cells: bool = True) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerows(([_csv_cell(v) for v in row] for row in rows) if cells else rows)
        self.out.write(buffer.getvalue().encode())

    def close(self) -> None:
        return None


class XlsxWriter:
    def __init__(self, out: BinaryIO, columns: Sequence[str], title: str = "") -> None:
        self.out = out
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet(title=(title or "export")[:31])
        self.sheet.append(list(columns))

    def _cell(self, value: object) -> object:
        if value is None or isinstance(value, bool | int | float | Decimal | date):
            if isinstance(value, datetime) and value.tzinfo is not None:
                return value.astimezone(UTC).replace(tzinfo=None)  # Excel has no time zones
            return value
        rendered = ILLEGAL_CHARACTERS_RE.sub("", text(value))[:XLSX_MAX_CELL]
        if rendered.startswith("="):
            cell = WriteOnlyCell(self.sheet, value=rendered)
            cell.data_type = "s"
            return cell
        return rendered

    def write(self, rows: Sequence[Sequence[object]]) -> None:
        for row in rows:
            self.sheet.append([self._cell(v) for v in row])

    def close(self) -> None:
        self.workbook.save(self.out)  # ZipFile takes a binary file as well as a path


class _Pdf(FPDF):
    def __init__(self, title: str, columns: Sequence[str]) -> None:
        super().__init__(orientation="landscape", format="A4")
        self.title_text = title
        self.columns = list(columns)
        self.set_auto_page_break(False)
        self.set_margins(10, 10, 10)
        self.width = (self.w - 20) / max(1, len(self.columns))

    def header(self) -> None:
        self.set_font("helvetica", "B", 10)
        self.cell(0, 7, _latin1(self.title_text), new_x="LMARGIN", new_y="NEXT")
        self.set_font("helvetica", "B", 8)
        for column in self.columns:
            self.cell(self.width, 6, self.fit(column), border="B")
        self.ln(6)
        self.set_font("helvetica", "", 8)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("helvetica", "", 8)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    def fit(self, value: str) -> str:
        """Cut ``value`` to the column width (one line per row keeps the pages predictable)."""
        value = _latin1(value[:_PDF_MAX_CHARS])
        if self.get_string_width(value) <= self.width - 2:
            return value
        while value and self.get_string_width(value + "...") > self.width - 2:
            value = value[:-1]
        return value + "..."


def _latin1(value: str) -> str:
    """The PDF core fonts cover Latin-1 only."""
    return value.encode("latin-1", "replace").decode("latin-1")


class PdfWriter:
    def __init__(self, out: BinaryIO, columns: Sequence[str], title: str = "") -> None:
        self.out = out
        self.pdf = _Pdf(title, columns)
        self.rows = 0

    def write(self, rows: Sequence[Sequence[object]]) -> None:
        pdf = self.pdf
        for row in rows:
            if self.rows % PDF_ROWS_PER_PAGE == 0:
                pdf.add_page()
            for value in row:
                pdf.cell(pdf.width, 4.2, pdf.fit(text(value)))
            pdf.ln(4.2)
            self.rows += 1

    def close(self) -> None:
        if self.rows == 0:
            self.pdf.add_page()
        self.out.write(bytes(self.pdf.output()))


WRITERS: dict[str, type[CsvWriter] | type[XlsxWriter] | type[PdfWriter]] = {
    "csv": CsvWriter,
    "xlsx": XlsxWriter,
    "pdf": PdfWriter,
}
