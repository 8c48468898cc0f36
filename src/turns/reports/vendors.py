"""Vendor scorecards: jobs, completion, punctuality, cost and rating per vendor."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.identity import CurrentUser
from turns.db.tables import turns, vendors
from turns.reports.aggregates import punctuality, rounded
from turns.reports.cost import AMOUNT_COLUMNS, FINAL
from turns.reports.filters import ReportFilters, require
from turns.reports.schemas import VendorScorecard, VendorsReport

DONE = turns.c.turn_completion_date


async def vendor_scorecards(conn: AsyncConnection, user: CurrentUser, filters: ReportFilters) -> VendorsReport:
    """A job is a turn whose vendor (``turns.vendor_id``) is the company; flooring assignments
    are not scored. The period applies to the move-out date; ``vendor_id`` selects one card."""
    require(user, "turns", AMOUNT_COLUMNS | {"vendor_id", "turn_completion_date", "expected_completion_date"})
    mine = [turns.c.vendor_id == filters.vendor_id] if filters.vendor_id else []
    query = (
        select(
            vendors.c.id.label("vendor_id"),
            vendors.c.company_name,
            func.count().label("jobs"),
            func.count().filter(turns.c.is_active).label("active"),
            func.count(DONE).label("completed"),
            *punctuality(DONE, turns.c.expected_completion_date),
            rounded(func.avg(FINAL).filter(DONE.is_not(None))).label("average_cost"),
            vendors.c.average_rating.label("rating"),
        )
        .select_from(turns.join(vendors, vendors.c.id == turns.c.vendor_id))
        .where(*mine, *filters.turn_conditions(user, "move_out_date", any_vendor=False))
        .group_by(vendors.c.id)
        .order_by(vendors.c.company_name, vendors.c.id)
    )
    rows = (await conn.execute(query)).mappings().all()
    return VendorsReport(vendors=[VendorScorecard(**r) for r in rows])
