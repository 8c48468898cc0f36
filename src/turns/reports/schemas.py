"""API models of the KPI reports. Durations are numbers (days or hours, two decimals);
money is a decimal string with two places, as on turns."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, Field

from turns.kit.pagination import Page
from turns.unit_turns.schemas import ApprovalStatus

Figures = TypeVar("Figures", bound=BaseModel)
MonthFigures = TypeVar("MonthFigures", bound=BaseModel)


class AsOf(BaseModel):
    as_of: datetime | None = Field(
        default=None,
        description="When the figures were computed: an admin's unfiltered report is read from the snapshot "
        "the reporting job refreshes every five minutes, every other report is computed on request",
    )


class InMonth(BaseModel):
    month: date = Field(description="First day of the month")


class ByMonth(AsOf, Generic[Figures, MonthFigures]):
    overall: Figures
    by_month: list[MonthFigures] = Field(description="By month of completion, oldest first")


class Spread(BaseModel):
    """How a duration is distributed over the turns counted."""

    count: int = Field(description="Turns with a value")
    median: float | None = Field(default=None, description="50th percentile (interpolated)")
    p90: float | None = Field(default=None, description="90th percentile (interpolated)")
    mean: float | None = None


class MonthSpread(InMonth, Spread):
    pass


class TurnTimeReport(ByMonth[Spread, MonthSpread]):
    """Days from move-out to turn completion."""


class VacancySpread(Spread):
    move_outs: int = Field(description="Turns with a move-out date; `count` of them have a known move-in")


class MonthVacancySpread(InMonth, VacancySpread):
    pass


class DaysVacantReport(ByMonth[VacancySpread, MonthVacancySpread]):
    """Days from a turn's move-out to the property's next move-in."""

    by_month: list[MonthVacancySpread] = Field(description="By month of move-out, oldest first")


class OnTime(BaseModel):
    completed: int = Field(description="Completed turns")
    with_expected_date: int = Field(description="Completed turns that had an expected completion date")
    on_time: int = Field(description="Completed on or before the expected completion date")
    on_time_rate: float | None = Field(default=None, description="on_time / with_expected_date (0 to 1)")


class MonthOnTime(InMonth, OnTime):
    pass


class OnTimeReport(ByMonth[OnTime, MonthOnTime]):
    pass


class Amounts(BaseModel):
    count: int = Field(description="Turns that have this amount")
    total: Decimal | None = None
    average: Decimal | None = Field(default=None, description="Over the turns that have this amount")


class Variance(Amounts):
    """Final minus approved, over turns with both."""

    over_approved: int = Field(description="Turns whose final amount exceeds the approved amount")


class Cost(BaseModel):
    turns: int = Field(description="Completed turns")
    quoted: Amounts = Field(description="turn_amount")
    approved: Amounts = Field(description="approved_turn_amount")
    change_orders: Amounts = Field(description="change_order_amount")
    final: Amounts = Field(description="turn_amount + change_order_amount")
    variance: Variance = Field(description="final - approved_turn_amount")


class MonthCost(InMonth, Cost):
    pass


class CostReport(ByMonth[Cost, MonthCost]):
    pass


class StageDwell(BaseModel):
    stage_id: UUID
    stage: str
    display_order: int
    stays: int = Field(description="Finished stays (the turn entered and later left the stage)")
    median_hours: float | None = None
    p90_hours: float | None = None
    mean_hours: float | None = None
    waiting: int = Field(description="Active turns in this stage now")


class StageDwellReport(AsOf):
    stages: list[StageDwell] = Field(description="Every stage, in display order")


class Ageing(BaseModel):
    """Active turns by days since move-out."""

    total: int
    days_0_7: int = Field(description="Moved out 7 days ago or less (a future move-out counts here)")
    days_8_14: int
    days_15_30: int
    days_over_30: int
    no_move_out: int = Field(description="No move-out date recorded")


class StageAgeing(Ageing):
    stage_id: UUID
    stage: str
    display_order: int


class StatusAgeing(Ageing):
    approval_status: ApprovalStatus | None


class PipelineReport(AsOf):
    overall: Ageing
    by_stage: list[StageAgeing] = Field(description="Stages with active turns, in display order")
    by_approval_status: list[StatusAgeing] = Field(description="Approval statuses with active turns")


class VendorScorecard(BaseModel):
    vendor_id: UUID
    company_name: str
    jobs: int = Field(description="Turns assigned (as the turn's vendor)")
    active: int = Field(description="Of them, still active")
    completed: int
    on_time: int = Field(description="Completed on or before the expected completion date")
    with_expected_date: int = Field(description="Completed jobs that had an expected completion date")
    on_time_rate: float | None = Field(default=None, description="on_time / with_expected_date (0 to 1)")
    average_cost: Decimal | None = Field(default=None, description="Average final amount of completed jobs")
    rating: Decimal | None = Field(default=None, description="vendors.average_rating")
    rework: int | None = Field(default=None, description="Always null: no column records rework yet")
    bids_requested: int = Field(description="Bid invitations (requests cancelled left out)")
    bids_quoted: int = Field(description="Of them, answered with prices, whatever came of them")
    bids_declined: int = Field(description="Answered with a refusal")
    bids_unanswered: int = Field(description="Not answered by the due date, or before another bid was awarded")
    bids_awaiting: int = Field(description="Not answered yet, the request open and not yet due")
    bids_awarded: int = Field(description="Won")
    win_rate: float | None = Field(default=None, description="bids_awarded / bids_quoted (0 to 1)")
    awarded_quotes: Decimal | None = Field(default=None, description="Total of the won bids")
    awarded_actual: Decimal | None = Field(
        default=None,
        description="Current amount of the lines its won bids covered, while they carry the vendor (not removed)",
    )
    actual_over_quote: float | None = Field(default=None, description="awarded_actual / awarded_quotes")
    actual_minus_quote: Decimal | None = Field(default=None, description="awarded_actual - awarded_quotes")
    visits_scheduled: int = Field(description="Visits with an agreed window (accepted or done)")
    visits_done: int = Field(description="Of them, marked done")
    visits_measured: int = Field(
        description="Agreed visits that can be judged: the vendor's lines on the turn all done, or the window over"
    )
    visits_on_time: int = Field(description="Measured visits whose lines were all done by the window's last day")
    visit_on_time_rate: float | None = Field(default=None, description="visits_on_time / visits_measured (0 to 1)")
    average_days_late: float | None = Field(
        default=None,
        description="Over the late visits: days from the window's last day to the last line done (or to today)",
    )


class VendorsReport(AsOf):
    vendors: list[VendorScorecard] = Field(
        description="Vendors with a job, a bid invitation or an agreed visit, by company name"
    )


class PropertySummaryRow(BaseModel):
    id: UUID
    property_id: str
    name: str
    total_turns: int
    active_turns: int
    avg_turn_cost: Decimal | None = None
    last_turn_date: datetime | None = Field(default=None, description="When the property's newest turn was opened")


class PropertySummaryPage(Page[PropertySummaryRow]):
    refreshed_at: datetime | None = Field(
        description="When the summary was last refreshed (null when no row is visible to you)"
    )
    refresh_pending: bool = Field(description="A refresh job is queued or running")


class RefreshQueued(BaseModel):
    job_id: int | None = Field(description="The queued refresh job (null if it started meanwhile)")
    already_queued: bool = Field(description="A refresh was already waiting: no second one was queued")


class TradeCost(BaseModel):
    trade: str = Field(description="The trade code of the lines (PAINT, FLOORING, ...)")
    label: str = Field(description="The trade in words")
    lines: int = Field(description="Scope lines of this trade on completed turns")
    turns: int = Field(description="Completed turns with at least one line of this trade")
    total: Decimal = Field(description="Sum of the lines' amounts")
    average_per_turn: Decimal | None = Field(default=None, description="total / turns")
    share: float | None = Field(default=None, description="Of the total of every trade (0 to 1)")


class TradeCostReport(AsOf):
    turns: int = Field(description="Completed turns in the period that have scope lines")
    total: Decimal = Field(description="Sum of every line's amount")
    average_per_turn: Decimal | None = None
    trades: list[TradeCost] = Field(description="Largest total first")


class Chargebacks(BaseModel):
    turns: int = Field(description="Completed turns with a charge-back to the resident")
    lines: int = Field(description="Lines charged back")
    total: Decimal | None = Field(default=None, description="Sum of the charge-back amounts")
    scope_total: Decimal | None = Field(default=None, description="Sum of the charged-back lines' amounts")


class MonthChargebacks(InMonth, Chargebacks):
    pass


class ChargebackReport(ByMonth[Chargebacks, MonthChargebacks]):
    pass
