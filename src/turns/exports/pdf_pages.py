"""The pages of a PDF export (fpdf), imported when a PDF is written: fpdf's import is a sixth of
an API process's start, and most processes never write one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from fpdf import FPDF

from turns.exports.formats import PDF_MAX_CHARS, PdfNotes


class Pages(FPDF):
    """A PDF export's pages: landscape A4, the title (and the notes) and the column headers on each."""

    def __init__(self, title: str, columns: Sequence[str], notes: PdfNotes | None) -> None:
        super().__init__(orientation="landscape", format="A4")
        self.title_text = title
        self.notes = notes
        self.notes_line: str | None = None
        self.columns = list(columns)
        self.set_auto_page_break(False)
        self.set_margins(10, 10, 10)
        self.width = (self.w - 20) / max(1, len(self.columns))

    def header(self) -> None:
        self.set_font("helvetica", "B", 10)
        self.cell(0, 7, latin1(self.title_text), new_x="LMARGIN", new_y="NEXT")
        if self.notes is not None:
            self.set_font("helvetica", "", 8)
            if self.notes_line is None:  # the same on every page: fitted once
                made = f"Made {self.notes.made.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
                self.notes_line = self.fit(f"{made}. {self.notes.filters}", self.w - 20)
            self.cell(0, 5, self.notes_line, new_x="LMARGIN", new_y="NEXT")
        self.set_font("helvetica", "B", 8)
        for column in self.columns:
            self.cell(self.width, 6, self.fit(column), border="B")
        self.ln(6)
        self.set_font("helvetica", "", 8)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("helvetica", "", 8)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    def fit(self, value: str, width: float | None = None) -> str:
        """Cut ``value`` to the column width, or ``width`` (one line per row keeps the pages
        predictable)."""
        room = (self.width if width is None else width) - 2
        value = latin1(value[: PDF_MAX_CHARS if width is None else 4 * PDF_MAX_CHARS])
        if self.get_string_width(value) <= room:
            return value
        while value and self.get_string_width(value + "...") > room:
            value = value[:-1]
        return value + "..."

    def totals(self, lines: list[str]) -> None:
        """``lines`` in bold after the last row (on a new page when they do not fit)."""
        if self.get_y() + 5 * len(lines) + 2 > self.h - 12:
            self.add_page()
        self.set_font("helvetica", "B", 8)
        self.ln(2)
        for line in lines:
            self.cell(0, 5, latin1(line), new_x="LMARGIN", new_y="NEXT")


def latin1(value: str) -> str:
    """The PDF core fonts cover Latin-1 only."""
    return value.encode("latin-1", "replace").decode("latin-1")
