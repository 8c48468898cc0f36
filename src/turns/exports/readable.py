"""Cells of the readable form: labels for codes, column names in words, yes/no, dates in the chosen format, times
in UTC to the minute, money with two decimals (and, in xlsx and PDF, as money).

A CSV is for people who open it in a spreadsheet and for scripts alike, so money has no
currency sign or thousands separator there; xlsx cells keep their numbers and dates as
numbers and dates, with a number format saying how to show them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from turns.exports.fields import Field, header_of
from turns.exports.options import DATE_FORMATS, DateFormat

if TYPE_CHECKING:
    from openpyxl.cell import Cell

XLSX_MONEY = '"$"#,##0.00'


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


@dataclass(frozen=True)
class Readable:
    """How the readable form writes each of ``fields``."""

    fields: Sequence[Field]
    date_format: DateFormat = "iso"

    @property
    def headers(self) -> list[str]:
        return [f.header for f in self.fields]

    def text(self, f: Field, value: object, *, money_sign: bool = False) -> str:
        """A cell as words (CSV and PDF)."""
        if value is None:
            return ""
        pattern = DATE_FORMATS[self.date_format][0]
        if f.kind == "money" and isinstance(value, Decimal | int | float):
            return f"${value:,.2f}" if money_sign else f"{value:.2f}"
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, datetime):
            return f"{_utc(value):{pattern} %H:%M} UTC"
        if isinstance(value, date):
            return f"{value:{pattern}}"
        if isinstance(value, dict):
            return json.dumps(value, sort_keys=True, default=str)
        if isinstance(value, list):
            named = header_of if f.kind == "column_names" else (lambda v: f.labels.get(v, v))
            return ", ".join(named(str(v)) for v in value)
        return f.labels.get(str(value), str(value))

    def xlsx(self, new_cell: Callable[[object], Cell], f: Field, value: object) -> Any:
        """A cell of a write-only sheet (made by ``new_cell``): dates and money as numbers with a
        number format; ``None`` for words, which the caller writes as text."""
        if isinstance(value, datetime | date) or (f.kind == "money" and isinstance(value, Decimal | int | float)):
            stored: Any = _utc(value) if isinstance(value, datetime) else value  # openpyxl takes dates and Decimals
            cell = new_cell(stored)
            pattern = DATE_FORMATS[self.date_format][1]
            if isinstance(value, datetime):
                cell.number_format = f"{pattern} hh:mm"
            elif isinstance(value, date):
                cell.number_format = pattern
            else:
                cell.number_format = XLSX_MONEY
            return cell
        if f.kind == "number" and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return value
        return None
