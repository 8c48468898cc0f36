"""Where turns spend their time: stage dwell from the stage history, and the active pipeline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Label, cast, extract, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.identity import CurrentUser
from turns.db.tables import turn_stage_history, turn_stages, turns
from turns.reports.aggregates import spread
from turns.reports.filters import ReportFilters, require
from turns.reports.schemas import Ageing, PipelineReport, StageAgeing, StageDwell, StageDwellReport, StatusAgeing

STAGE_COLUMNS = (
    turn_stages.c.id.label("stage_id"),
    turn_stages.c.name.label("stage"),
    turn_stages.c.display_order,
)


async def stage_dwell(conn: AsyncConnection, user: CurrentUser, filters: ReportFilters) -> StageDwellReport:
    """A stay in a stage runs from the history row that entered it to the turn's next history
    row; stays still open are not measured. The period applies to the day a stay began."""
    require(user, "turns", {"stage_id", "is_active"})
    history = turn_stage_history
    scoped = (
        select(turns.c.id, turns.c.stage_id, turns.c.is_active)
        .where(*filters.turn_conditions(user, None))
        .cte("scoped")
    )
    left_at = func.lead(history.c.changed_at).over(
        partition_by=history.c.turn_id, order_by=(history.c.changed_at, history.c.id)
    )
    stays = (
        select(
            history.c.to_stage_id.label("stage_id"),
            history.c.changed_at.label("entered_at"),
            left_at.label("left_at"),
        )
        .select_from(history.join(scoped, scoped.c.id == history.c.turn_id))
        .cte("stays")
    )
    began = cast(stays.c.entered_at, Date)
    period = [began >= filters.start] if filters.start else []
    period += [began <= filters.end] if filters.end else []
    hours = extract("epoch", stays.c.left_at - stays.c.entered_at) / 3600
    dwell = (
        select(stays.c.stage_id, *spread(hours))
        .where(stays.c.left_at.is_not(None), *period)
        .group_by(stays.c.stage_id)
        .cte("dwell")
    )
    waiting = (
        select(scoped.c.stage_id, func.count().label("waiting"))
        .where(scoped.c.is_active)
        .group_by(scoped.c.stage_id)
        .cte("waiting")
    )
    query = (
        select(
            *STAGE_COLUMNS,
            func.coalesce(dwell.c.count, 0).label("stays"),
            dwell.c.median.label("median_hours"),
            dwell.c.p90.label("p90_hours"),
            dwell.c.mean.label("mean_hours"),
            func.coalesce(waiting.c.waiting, 0).label("waiting"),
        )
        .select_from(
            turn_stages.outerjoin(dwell, dwell.c.stage_id == turn_stages.c.id).outerjoin(
                waiting, waiting.c.stage_id == turn_stages.c.id
            )
        )
        .order_by(turn_stages.c.display_order)
    )
    rows = (await conn.execute(query)).mappings().all()
    return StageDwellReport(stages=[StageDwell(**r) for r in rows])


def _ageing() -> list[Label[Any]]:
    age = func.current_date() - turns.c.move_out_date
    return [
        func.count().label("total"),
        func.count().filter(age <= 7).label("days_0_7"),
        func.count().filter(age.between(8, 14)).label("days_8_14"),
        func.count().filter(age.between(15, 30)).label("days_15_30"),
        func.count().filter(age > 30).label("days_over_30"),
        func.count().filter(turns.c.move_out_date.is_(None)).label("no_move_out"),
    ]


async def pipeline(conn: AsyncConnection, user: CurrentUser, filters: ReportFilters) -> PipelineReport:
    """Active turns, aged by days since move-out, overall, per stage and per approval status
    (one scan: ``GROUPING SETS``). The period applies to the move-out date."""
    require(user, "turns", {"stage_id", "scope_approval_status", "move_out_date", "is_active"})
    status = turns.c.scope_approval_status
    stage_key = tuple_(turn_stages.c.id, turn_stages.c.name, turn_stages.c.display_order)
    query = (
        select(
            *_ageing(),
            *STAGE_COLUMNS,
            status.label("approval_status"),
            func.grouping(turn_stages.c.id).label("all_stages"),
            func.grouping(status).label("all_statuses"),
        )
        .select_from(turns.join(turn_stages, turn_stages.c.id == turns.c.stage_id))
        .where(turns.c.is_active, *filters.turn_conditions(user, "move_out_date"))
        .group_by(func.grouping_sets(tuple_(), stage_key, tuple_(status)))
        .order_by(turn_stages.c.display_order, status)
    )
    rows = (await conn.execute(query)).mappings().all()
    return PipelineReport(
        overall=next(Ageing(**r) for r in rows if r["all_stages"] and r["all_statuses"]),
        by_stage=[StageAgeing(**r) for r in rows if not r["all_stages"]],
        by_approval_status=[StatusAgeing(**r) for r in rows if not r["all_statuses"]],
    )
