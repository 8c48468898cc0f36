"""SQL building blocks of the reports: percentiles, rounding, months, and one scan that
yields the overall figures and the figures by month together (``GROUPING SETS``), read
into a :class:`turns.reports.schemas.ByMonth` report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Date, Label, Numeric, Select, cast, func, literal_column, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

PLACES = 2
Row = dict[str, Any]
Report = TypeVar("Report", bound=BaseModel)


def rounded(value: ColumnElement[Any], places: int = PLACES) -> ColumnElement[Any]:
    return func.round(cast(value, Numeric), places)


def percentile(fraction: float, value: ColumnElement[Any]) -> ColumnElement[Any]:
    return rounded(func.percentile_cont(fraction).within_group(value))


def spread(value: ColumnElement[Any], prefix: str = "") -> list[Label[Any]]:
    """Count, median, 90th percentile and mean of ``value`` (NULLs are not counted)."""
    return [
        func.count(value).label(f"{prefix}count"),
        percentile(0.5, value).label(f"{prefix}median"),
        percentile(0.9, value).label(f"{prefix}p90"),
        rounded(func.avg(value)).label(f"{prefix}mean"),
    ]


def share(part: ColumnElement[Any], whole: ColumnElement[Any]) -> ColumnElement[Any]:
    """``part / whole`` to four places; NULL when ``whole`` is zero."""
    return rounded(cast(part, Numeric) / func.nullif(whole, 0), 4)


def punctuality(done: ColumnElement[Any], expected: ColumnElement[Any]) -> list[Label[Any]]:
    """Completed turns that had an expected date, how many of them were on time, and the rate."""
    with_expected = func.count().filter(done.is_not(None), expected.is_not(None))
    on_time = func.count().filter(done <= expected)
    return [
        with_expected.label("with_expected_date"),
        on_time.label("on_time"),
        share(on_time, with_expected).label("on_time_rate"),
    ]


def month_of(day: ColumnElement[Any]) -> ColumnElement[Any]:
    # A literal, not a bound parameter: GROUP BY must match the selected expression exactly.
    return cast(func.date_trunc(literal_column("'month'"), day), Date)


def overall_and_by_month(query: Select[Any], day: ColumnElement[Any]) -> Select[Any]:
    """``query`` (aggregates only) computed over all its rows and per month of ``day`` at once."""
    month = month_of(day)
    return (
        query.add_columns(month.label("month"), func.grouping(month).label("is_overall"))
        .group_by(func.grouping_sets(tuple_(), tuple_(month)))
        .order_by(month.nulls_first())
    )


async def monthly_report(
    conn: AsyncConnection,
    query: Select[Any],
    day: ColumnElement[Any],
    report: type[Report],
    figures: Callable[[Row], Row] = dict,
) -> Report:
    """``report`` from ``query`` (aggregates only) run over all its rows and per month of ``day``,
    each row read through ``figures``. (The empty grouping set yields the overall row even when
    no turn matches.)"""
    rows = [dict(r) for r in (await conn.execute(overall_and_by_month(query, day))).mappings()]
    overall = next(figures(r) for r in rows if r["is_overall"])
    return report.model_validate({"overall": overall, "by_month": [figures(r) for r in rows if not r["is_overall"]]})
