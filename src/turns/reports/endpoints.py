"""``/api/v1/reports``: KPI reports, read on the read path (the replica when there is one).

Every report aggregates the rows RLS lets the caller see, takes the filters of
:class:`turns.reports.filters.ReportFilters`, and answers 403 to a role that may not read a
column it is built on (a vendor user gets no amounts and no approvals). A USER sees no
turns or properties, so their reports are empty.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from pydantic import Field

from turns.auth.dependencies import CurrentUser, current_user
from turns.kit.errors import PROBLEM_RESPONSES, Forbidden
from turns.kit.pagination import MAX_LIMIT
from turns.kit.transaction import ReadTransaction, Transaction
from turns.reports import cost, durations, stages, summary, vendors
from turns.reports.filters import ReportFilters
from turns.reports.schemas import (
    CostReport,
    DaysVacantReport,
    OnTimeReport,
    PipelineReport,
    PropertySummaryPage,
    RefreshQueued,
    StageDwellReport,
    TurnTimeReport,
    VendorsReport,
)
from turns.roles import ADMINS

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], responses=PROBLEM_RESPONSES)
User = Annotated[CurrentUser, Depends(current_user)]
Filters = Annotated[ReportFilters, Query()]
NO_AMOUNTS = " A role that may not read amounts (VENDOR) gets 403."


class SummaryQuery(ReportFilters):
    sort: str = Field(
        default="property_id", description=f"One of {', '.join(summary.SORTABLE)}; prefix - for descending"
    )
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT)


@router.get(
    "/turn-time",
    response_model=TurnTimeReport,
    summary="Days from move-out to completion",
    description="Completed turns with a move-out date: count, median, 90th percentile and mean of "
    "`turn_completion_date - move_out_date` in days, overall and by month of completion. "
    "The period (`from`, `to`) applies to the completion date.",
)
async def turn_time(conn: ReadTransaction, user: User, filters: Filters) -> TurnTimeReport:
    return await durations.turn_time(conn, user, filters)


@router.get(
    "/days-vacant",
    response_model=DaysVacantReport,
    summary="Days from move-out to the next move-in",
    description="For turns with a move-out date: days until the property's next move-in "
    "(`properties.move_in_date`, when it is on or after the turn's move-out and no later turn "
    "of the property moved out before it). `move_outs` counts the turns, `count` those with a "
    "known move-in; overall and by month of move-out. The period applies to the move-out date. "
    "Move-in dates are not readable by vendor users (403).",
)
async def days_vacant(conn: ReadTransaction, user: User, filters: Filters) -> DaysVacantReport:
    return await durations.days_vacant(conn, user, filters)


@router.get(
    "/on-time",
    response_model=OnTimeReport,
    summary="Share of turns completed by their expected date",
    description="Completed turns completed on or before `expected_completion_date`, over the "
    "completed turns that had one; overall and by month of completion. The period applies to "
    "the completion date.",
)
async def on_time(conn: ReadTransaction, user: User, filters: Filters) -> OnTimeReport:
    return await durations.on_time(conn, user, filters)


@router.get(
    "/cost",
    response_model=CostReport,
    summary="Cost of completed turns",
    description="Completed turns' quoted (`turn_amount`), approved (`approved_turn_amount`), "
    "change-order (`change_order_amount`) and final (quote plus change orders) amounts: count, "
    "total and average of each, and final minus approved (total, average, turns over approved); "
    "overall and by month of completion. The period applies to the completion date." + NO_AMOUNTS,
)
async def turn_cost(conn: ReadTransaction, user: User, filters: Filters) -> CostReport:
    return await cost.cost(conn, user, filters)


@router.get(
    "/stage-dwell",
    response_model=StageDwellReport,
    summary="Time spent in each stage",
    description="From the stage history: each stay in a stage lasts until the turn's next stage "
    "change. Per stage: finished stays, their median, 90th percentile and mean in hours, and the "
    "active turns waiting in it now. The period applies to the day a stay began; `waiting` is "
    "a count of now and ignores it.",
)
async def stage_dwell(conn: ReadTransaction, user: User, filters: Filters) -> StageDwellReport:
    return await stages.stage_dwell(conn, user, filters)


@router.get(
    "/pipeline",
    response_model=PipelineReport,
    summary="Active turns per stage and approval status, by age",
    description="Active turns, overall, per stage and per scope approval status, in ageing "
    "buckets of days since move-out (0-7, 8-14, 15-30, over 30, no move-out date). The period "
    "applies to the move-out date. Approval statuses are not readable by vendor users (403).",
)
async def pipeline(conn: ReadTransaction, user: User, filters: Filters) -> PipelineReport:
    return await stages.pipeline(conn, user, filters)


@router.get(
    "/vendors",
    response_model=VendorsReport,
    summary="Vendor scorecards",
    description="Per vendor (the turn's `vendor_id`; flooring assignments are not scored): jobs, "
    "active and completed jobs, on-time completions and rate, average final amount of completed "
    "jobs, and `vendors.average_rating`. `rework` is null: no column records rework. The period "
    "applies to the move-out date; `vendor_id` selects one vendor's card." + NO_AMOUNTS,
)
async def vendor_scorecards(conn: ReadTransaction, user: User, filters: Filters) -> VendorsReport:
    return await vendors.scorecards(conn, user, filters)


@router.get(
    "/property-summary",
    response_model=PropertySummaryPage,
    summary="The property summary rows visible to you, and when they were refreshed",
    description="Rows of the `property_summary` materialized view (refreshed every five minutes) "
    "for the properties you may see, a page at a time, with the time of the last refresh and "
    "whether one is pending. The period applies to the day of the property's newest turn "
    "(`last_turn_date`); `vendor_id` keeps the properties where that vendor has a turn." + NO_AMOUNTS,
)
async def property_summary(
    conn: ReadTransaction, user: User, params: Annotated[SummaryQuery, Query()]
) -> PropertySummaryPage:
    return await summary.property_summary(
        conn, user, params, sort=params.sort, cursor=params.cursor, limit=params.limit
    )


@router.post(
    "/property-summary/refresh",
    response_model=RefreshQueued,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Queue a refresh of the property summary (admins)",
    description="Queues the refresh job, committed with this request; a worker runs it. While a "
    "refresh is already waiting, no second one is queued and the waiting one is returned.",
)
async def refresh_property_summary(conn: Transaction, user: User) -> RefreshQueued:
    if user.role not in ADMINS:
        raise Forbidden("only admins refresh the property summary")
    return await summary.request_refresh(conn)
