"""``/api/v1/reports``: KPI reports, read on the read path (the replica when there is one).

Every report aggregates the rows RLS lets the caller see, takes the filters of
:class:`turns.reports.filters.ReportFilters`, and answers 403 to a role that may not read a
column it is built on (a vendor user gets no amounts and no approvals). A USER sees no
turns or properties, so their reports are empty. An admin's unfiltered report is read from
the snapshot the reporting job keeps (:mod:`turns.reports.snapshots`); every report says in
``as_of`` when its figures were computed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, get_type_hints

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel

from turns.access.roles import ADMINS
from turns.api.versioned import PageQuery, User, sort_field
from turns.auth.transaction import ReadTransaction, Transaction
from turns.exports.formats import MEDIA_TYPES
from turns.kit.errors import PROBLEM_RESPONSES, Forbidden
from turns.reports import by_stage, cost, durations, scope, snapshots, summary, vendors
from turns.reports.filters import ReportBuilder, ReportFilters
from turns.reports.schemas import PropertySummaryPage, RefreshQueued, VendorsReport
from turns.reports.scorecard_export import FORMATS, ScorecardFormat, scorecard_file

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], responses=PROBLEM_RESPONSES)
Filters = Annotated[ReportFilters, Query()]
NO_AMOUNTS = " A role that may not read amounts (VENDOR) gets 403."


def _report(path: str, build: ReportBuilder, summary: str, description: str) -> None:
    """``GET path``: the report ``build`` makes (its operation, named after it, answers what it returns)."""

    async def endpoint(conn: ReadTransaction, user: User, filters: Filters) -> BaseModel | Response:
        kept = await snapshots.stored(conn, user, filters, path.removeprefix("/"))
        if kept is not None:
            return Response(kept, media_type="application/json")
        return await snapshots.computed(conn, user, filters, build)

    router.add_api_route(
        path,
        endpoint,
        methods=["GET"],
        name=build.__name__,
        response_model=get_type_hints(build)["return"],
        summary=summary,
        description=description,
    )


_report(
    "/turn-time",
    durations.turn_time,
    "Days from move-out to completion",
    "Completed turns with a move-out date: count, median, 90th percentile and mean of "
    "`turn_completion_date - move_out_date` in days, overall and by month of completion. "
    "The period (`from`, `to`) applies to the completion date.",
)
_report(
    "/days-vacant",
    durations.days_vacant,
    "Days from move-out to the next move-in",
    "For turns with a move-out date: days until the property's next move-in "
    "(`properties.move_in_date`, when it is on or after the turn's move-out and no later turn "
    "of the property moved out before it). `move_outs` counts the turns, `count` those with a "
    "known move-in; overall and by month of move-out. The period applies to the move-out date. "
    "Move-in dates are not readable by vendor users (403).",
)
_report(
    "/on-time",
    durations.on_time,
    "Share of turns completed by their expected date",
    "Completed turns completed on or before `expected_completion_date`, over the "
    "completed turns that had one; overall and by month of completion. The period applies to "
    "the completion date.",
)
_report(
    "/cost",
    cost.turn_cost,
    "Cost of completed turns",
    "Completed turns' quoted (`turn_amount`), approved (`approved_turn_amount`), "
    "change-order (`change_order_amount`) and final (quote plus change orders) amounts: count, "
    "total and average of each, and final minus approved (total, average, turns over approved); "
    "overall and by month of completion. The period applies to the completion date." + NO_AMOUNTS,
)
_report(
    "/cost-by-trade",
    scope.cost_by_trade,
    "Cost of completed turns by trade",
    "The scope lines of completed turns (lines removed from a scope left out), per trade: lines, "
    "turns, total, average per turn that has the trade, and share of the total; largest first. "
    "The period applies to the completion date." + NO_AMOUNTS,
)
_report(
    "/chargebacks",
    scope.chargebacks,
    "What was charged back to residents",
    "Scope lines of completed turns marked as a resident charge-back: turns, lines, the charged "
    "amount and the lines' own amount; overall and by month of completion. The period applies to "
    "the completion date." + NO_AMOUNTS,
)
_report(
    "/stage-dwell",
    by_stage.stage_dwell,
    "Time spent in each stage",
    "From the stage history: each stay in a stage lasts until the turn's next stage "
    "change. Per stage: finished stays, their median, 90th percentile and mean in hours, and the "
    "active turns waiting in it now. The period applies to the day a stay began; `waiting` is "
    "a count of now and ignores it.",
)
_report(
    "/pipeline",
    by_stage.pipeline,
    "Active turns per stage and approval status, by age",
    "Active turns, overall, per stage and per scope approval status, in ageing "
    "buckets of days since move-out (0-7, 8-14, 15-30, over 30, no move-out date). The period "
    "applies to the move-out date. Approval statuses are not readable by vendor users (403).",
)
_report(
    "/vendors",
    vendors.vendor_scorecards,
    "Vendor scorecards",
    "Per vendor (the turn's `vendor_id`; flooring assignments are not scored): jobs, "
    "active and completed jobs, on-time completions and rate, average final amount of completed "
    "jobs, and `vendors.average_rating`. `rework` is null: no column records rework. From the scope "
    "of work: bid invitations by answer (quoted, declined, unanswered, awaiting), bids won and the "
    "win rate (won / quoted); the won quotes' total against the current amount of the lines "
    "they covered; visits with an agreed window, done, measured, on time (every line of the "
    "vendor on the turn done by the window's last day) and the average days late of the late ones. "
    "A vendor has a card when it has a job, a bid invitation or an agreed visit. The period "
    "applies to the move-out date of the turns; `vendor_id` selects one vendor's card." + NO_AMOUNTS,
)


@router.get(
    "/vendors.{fmt}",
    response_class=Response,
    responses={200: {"description": "The scorecards as a file", "content": {MEDIA_TYPES[f]: {} for f in FORMATS}}},
    summary="Vendor scorecards as CSV or Excel",
    description="The figures of `GET /api/v1/reports/vendors` with the same filters and refusals, one "
    "row per vendor, headers in words, rates as percentages.",
)
async def export_vendor_scorecards(
    fmt: ScorecardFormat, conn: ReadTransaction, user: User, filters: Filters
) -> Response:
    cards = await snapshots.report(conn, user, filters, "vendors", vendors.vendor_scorecards)
    assert isinstance(cards, VendorsReport)
    body, media_type = scorecard_file(cards, fmt)
    name = f"vendor-scorecards-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(body, media_type=media_type, headers=headers)


class SummaryQuery(PageQuery, ReportFilters):
    sort: str = sort_field("property_id", summary.SORTABLE)


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
