"""How long turns take: turn time, days vacant, completion on time."""

from __future__ import annotations

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.identity import CurrentUser
from turns.db.tables import properties, turns
from turns.reports.aggregates import monthly_report, punctuality, spread
from turns.reports.filters import ReportFilters, require
from turns.reports.schemas import DaysVacantReport, OnTimeReport, TurnTimeReport

DONE = turns.c.turn_completion_date
MOVE_OUT = turns.c.move_out_date


async def turn_time(conn: AsyncConnection, user: CurrentUser, filters: ReportFilters) -> TurnTimeReport:
    require(user, "turns", {"move_out_date", "turn_completion_date"})
    query = select(*spread(DONE - MOVE_OUT)).where(
        DONE.is_not(None), MOVE_OUT.is_not(None), *filters.turn_conditions(user, "turn_completion_date")
    )
    return await monthly_report(conn, query, DONE, TurnTimeReport)


async def days_vacant(conn: AsyncConnection, user: CurrentUser, filters: ReportFilters) -> DaysVacantReport:
    """A turn's vacancy ends at the property's ``move_in_date`` when that is on or after the
    turn's move-out and no later turn of the property moved out by then (the move-in then
    belongs to that later turn)."""
    require(user, "turns", {"move_out_date"})
    require(user, "properties", {"move_in_date"})
    home = properties.alias("home")
    later = turns.alias("later")
    move_in = home.c.move_in_date
    superseded = (
        select(later.c.id)
        .where(
            later.c.property_id == turns.c.property_id,
            later.c.move_out_date > MOVE_OUT,
            later.c.move_out_date <= move_in,
        )
        .exists()
    )
    days = case((and_(move_in >= MOVE_OUT, ~superseded), move_in - MOVE_OUT))
    query = (
        select(func.count().label("move_outs"), *spread(days))
        .select_from(turns.join(home, home.c.id == turns.c.property_id))
        .where(MOVE_OUT.is_not(None), *filters.turn_conditions(user, "move_out_date"))
    )
    return await monthly_report(conn, query, MOVE_OUT, DaysVacantReport)


async def on_time(conn: AsyncConnection, user: CurrentUser, filters: ReportFilters) -> OnTimeReport:
    require(user, "turns", {"turn_completion_date", "expected_completion_date"})
    query = select(func.count().label("completed"), *punctuality(DONE, turns.c.expected_completion_date)).where(
        DONE.is_not(None), *filters.turn_conditions(user, "turn_completion_date")
    )
    return await monthly_report(conn, query, DONE, OnTimeReport)
