"""Reading export files back, independently of the code that wrote them."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import openpyxl
import pypdf


class Millisecond:
    """Equal to a datetime within a millisecond."""

    def __init__(self, value: datetime) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, datetime) and abs(other - self.value) < timedelta(milliseconds=1)

    def __repr__(self) -> str:
        return f"~{self.value!r}"


def read_csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def read_xlsx(body: bytes, *, data_only: bool = False) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=data_only)
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    width = len(rows[0])  # trailing empty cells are not stored
    return [row + [None] * (width - len(row)) for row in rows]


def xlsx_text(body: bytes) -> str:
    """Every XML part of the workbook, decompressed, for searching."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def read_pdf(body: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(body))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def as_csv(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date | Decimal):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return str(value)


def as_xlsx(value: Any) -> Any:
    """What openpyxl reads back for a value written to a cell (Excel keeps times to the
    millisecond)."""
    if isinstance(value, datetime):
        return Millisecond(value.astimezone(UTC).replace(tzinfo=None))
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
