"""What completed turns cost: quoted, approved, change orders, final, and final against approved."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Label, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.identity import CurrentUser
from turns.db.tables import turns
from turns.reports.aggregates import Row, monthly_report, rounded
from turns.reports.filters import ReportFilters, require
from turns.reports.schemas import Amounts, CostReport, Variance

AMOUNT_COLUMNS = {"turn_amount", "approved_turn_amount", "change_order_amount"}
DONE = turns.c.turn_completion_date


# What a turn came to: its quote plus change orders (as the workflow totals it for approval).
FINAL = turns.c.turn_amount + func.coalesce(turns.c.change_order_amount, 0)
VARIANCE = FINAL - turns.c.approved_turn_amount
MEASURES = {
    "quoted": turns.c.turn_amount,
    "approved": turns.c.approved_turn_amount,
    "change_orders": turns.c.change_order_amount,
    "final": FINAL,
    "variance": VARIANCE,
}


def _amounts(name: str, value: ColumnElement[Any]) -> list[Label[Any]]:
    return [
        func.count(value).label(f"{name}_count"),
        func.sum(value).label(f"{name}_total"),
        rounded(func.avg(value)).label(f"{name}_average"),
    ]


def _cost(row: Row) -> Row:
    def part(name: str) -> dict[str, Any]:
        return {k: row[f"{name}_{k}"] for k in ("count", "total", "average")}

    values: dict[str, Any] = {name: Amounts(**part(name)) for name in MEASURES if name != "variance"}
    variance = Variance(**part("variance"), over_approved=row["over_approved"])
    return {"turns": row["turns"], **values, "variance": variance, "month": row["month"]}


async def turn_cost(conn: AsyncConnection, user: CurrentUser, filters: ReportFilters) -> CostReport:
    require(user, "turns", AMOUNT_COLUMNS | {"turn_completion_date"})
    measures = [column for name, value in MEASURES.items() for column in _amounts(name, value)]
    query = select(
        func.count().label("turns"), *measures, func.count().filter(VARIANCE > 0).label("over_approved")
    ).where(DONE.is_not(None), *filters.turn_conditions(user, "turn_completion_date"))
    return await monthly_report(conn, query, DONE, CostReport, _cost)
