"""The vendor scorecards as a CSV or Excel file: one row per card, every figure of the report
under a header in words, rates as percentages, money with two decimals (a money cell in Excel).

The file is made from the report the caller may read (:func:`turns.reports.vendors.vendor_scorecards`,
with its refusals), by the readable writers of the exports; it holds a few figures per vendor,
so it is written in memory and sent whole.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Literal, get_args

from turns.exports.fields import Field
from turns.exports.formats import MEDIA_TYPES, CsvWriter, XlsxWriter
from turns.exports.readable import Readable
from turns.reports.schemas import VendorsReport

ScorecardFormat = Literal["csv", "xlsx"]
FORMATS: tuple[str, ...] = get_args(ScorecardFormat)
TITLE = "Vendor scorecards"


def _percent(source: str, header: str) -> Field:
    """A rate as a percentage: a number in the file (the rate x 100, two decimals)."""
    return Field(source, f"{header} (%)", "number")


def _number(source: str, header: str) -> Field:
    return Field(source, header, "number")


FIELDS = (
    Field("company_name", "Vendor", "text"),
    _number("jobs", "Jobs"),
    _number("active", "Active jobs"),
    _number("completed", "Completed jobs"),
    _number("with_expected_date", "Completed with an expected date"),
    _number("on_time", "Completed on time"),
    _percent("on_time_rate", "On-time rate"),
    Field("average_cost", "Average cost", "money"),
    _number("rating", "Rating"),
    _number("bids_requested", "Bids requested"),
    _number("bids_quoted", "Bids quoted"),
    _number("bids_declined", "Bids declined"),
    _number("bids_unanswered", "Bids late or unanswered"),
    _number("bids_awaiting", "Bids awaiting an answer"),
    _number("bids_awarded", "Bids won"),
    _percent("win_rate", "Win rate"),
    Field("awarded_quotes", "Won quotes", "money"),
    Field("awarded_actual", "Actual of won work", "money"),
    _percent("actual_over_quote", "Actual to quote"),
    Field("actual_minus_quote", "Actual minus quote", "money"),
    _number("visits_scheduled", "Visits scheduled"),
    _number("visits_done", "Visits done"),
    _number("visits_measured", "Visits measured"),
    _number("visits_on_time", "Visits on time"),
    _percent("visit_on_time_rate", "Visit on-time rate"),
    _number("average_days_late", "Average days late"),
)
_PERCENTS = frozenset(f.source for f in FIELDS if f.header.endswith("(%)"))


def _cell(source: str, value: object) -> object:
    if source in _PERCENTS and isinstance(value, float):
        return round(Decimal(str(value)) * 100, 2)
    return value


def scorecard_file(report: VendorsReport, fmt: ScorecardFormat) -> tuple[bytes, str]:
    """The file's bytes and media type."""
    out = io.BytesIO()
    writer = (CsvWriter if fmt == "csv" else XlsxWriter)(out, [], TITLE, Readable(FIELDS))
    cards = [card.model_dump() for card in report.vendors]
    writer.write([[_cell(f.source, card[f.source]) for f in FIELDS] for card in cards])
    writer.close()
    return out.getvalue(), MEDIA_TYPES[fmt]
