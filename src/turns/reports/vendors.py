"""Vendor scorecards: jobs, completion, punctuality, cost and rating per vendor, with the
scope-of-work measures of :mod:`turns.reports.vendor_work` (bids, quote to actual, visits)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, FromClause, Subquery, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.identity import CurrentUser
from turns.db.tables import turns, vendors
from turns.reports.aggregates import punctuality, rounded, share
from turns.reports.cost import AMOUNT_COLUMNS, FINAL
from turns.reports.filters import ReportFilters, require
from turns.reports.schemas import VendorScorecard, VendorsReport
from turns.reports.vendor_work import awarded_work, bid_figures, visit_figures

DONE = turns.c.turn_completion_date
# What the scope-of-work measures read beyond the turns; every role that passes the turns'
# check reads them today, so this only guards a later narrowing of the column rules.
SCOPE_WORK_COLUMNS = {
    "bids": {"vendor_id", "status", "submitted_at", "total"},
    "scope_lines": {"vendor_id", "amount", "done_at", "removed_at"},
    "vendor_visits": {"vendor_id", "status", "ends_on"},
}
BID_COUNTS = ("bids_requested", "bids_quoted", "bids_declined", "bids_unanswered", "bids_awaiting", "bids_awarded")


def _jobs(where: list[ColumnElement[bool]]) -> Subquery:
    return (
        select(
            turns.c.vendor_id,
            func.count().label("jobs"),
            func.count().filter(turns.c.is_active).label("active"),
            func.count(DONE).label("completed"),
            *punctuality(DONE, turns.c.expected_completion_date),
            rounded(func.avg(FINAL).filter(DONE.is_not(None))).label("average_cost"),
        )
        .where(turns.c.vendor_id.is_not(None), *where)
        .group_by(turns.c.vendor_id)
        .subquery("jobs")
    )


def _counted(part: Subquery, *names: str) -> list[ColumnElement[Any]]:
    """Counts of ``part``, zero for a vendor it has no row for."""
    return [func.coalesce(part.c[name], 0).label(name) for name in names]


async def vendor_scorecards(conn: AsyncConnection, user: CurrentUser, filters: ReportFilters) -> VendorsReport:
    """A job is a turn whose vendor (``turns.vendor_id``) is the company; flooring assignments
    are not scored. A vendor has a card when it has a job, a bid invitation or an agreed visit on
    the turns kept. The period applies to the move-out date of the turns (of the jobs, of the
    bids' and visits' turns); ``vendor_id`` selects one card. The bid, quote-to-actual and visit
    measures are defined in :mod:`turns.reports.vendor_work`."""
    require(user, "turns", AMOUNT_COLUMNS | {"vendor_id", "turn_completion_date", "expected_completion_date"})
    for table, columns in SCOPE_WORK_COLUMNS.items():
        require(user, table, columns)
    where = filters.turn_conditions(user, "move_out_date", any_vendor=False)
    jobs, bid, work, visit = _jobs(where), bid_figures(where), awarded_work(where), visit_figures(where)
    parts = (jobs, bid, work, visit)
    cards: FromClause = vendors
    for part in parts:
        cards = cards.outerjoin(part, part.c.vendor_id == vendors.c.id)
    mine = [vendors.c.id == filters.vendor_id] if filters.vendor_id else []
    query = (
        select(
            vendors.c.id.label("vendor_id"),
            vendors.c.company_name,
            *_counted(jobs, "jobs", "active", "completed", "with_expected_date", "on_time"),
            jobs.c.on_time_rate,
            jobs.c.average_cost,
            vendors.c.average_rating.label("rating"),
            *_counted(bid, *BID_COUNTS),
            share(bid.c.bids_awarded, bid.c.bids_quoted).label("win_rate"),
            bid.c.awarded_quotes,
            work.c.awarded_actual,
            share(work.c.awarded_actual, bid.c.awarded_quotes).label("actual_over_quote"),
            (work.c.awarded_actual - bid.c.awarded_quotes).label("actual_minus_quote"),
            *_counted(visit, "visits_scheduled", "visits_done", "visits_measured", "visits_on_time"),
            visit.c.visit_on_time_rate,
            visit.c.average_days_late,
        )
        .select_from(cards)
        .where(or_(*(part.c.vendor_id.is_not(None) for part in parts)), *mine)
        .order_by(vendors.c.company_name, vendors.c.id)
    )
    rows = (await conn.execute(query)).mappings().all()
    return VendorsReport(vendors=[VendorScorecard(**r) for r in rows])
