"""What the scope of completed turns was made of: cost by trade, and what was charged back to
residents. Both read the scope lines (migration 0018) of the completed turns the caller may
see, lines removed from a scope left out; the period applies to the completion date."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.identity import CurrentUser
from turns.db.tables import scope_lines, turns
from turns.reports.aggregates import monthly_report, rounded, share
from turns.reports.filters import ReportFilters, require
from turns.reports.schemas import ChargebackReport, TradeCost, TradeCostReport
from turns.vendors.trades import TRADE_LABELS

DONE = turns.c.turn_completion_date
_LINES = scope_lines.join(turns, turns.c.id == scope_lines.c.turn_id)


def _conditions(user: CurrentUser, filters: ReportFilters) -> list[Any]:
    require(user, "scope_lines", {"amount", "chargeback", "chargeback_amount"})
    return [
        DONE.is_not(None),
        scope_lines.c.removed_at.is_(None),
        *filters.turn_conditions(user, "turn_completion_date"),
    ]


async def cost_by_trade(conn: AsyncConnection, user: CurrentUser, filters: ReportFilters) -> TradeCostReport:
    where = _conditions(user, filters)
    total = func.sum(scope_lines.c.amount)
    by_trade = (
        select(
            scope_lines.c.trade,
            func.count().label("lines"),
            func.count(distinct(scope_lines.c.turn_id)).label("turns"),
            total.label("total"),
            rounded(total / func.nullif(func.count(distinct(scope_lines.c.turn_id)), 0)).label("average_per_turn"),
            share(total, func.sum(total).over()).label("share"),
        )
        .select_from(_LINES)
        .where(*where)
        .group_by(scope_lines.c.trade)
        .order_by(total.desc(), scope_lines.c.trade)
    )
    overall = select(func.count(distinct(scope_lines.c.turn_id)), func.coalesce(total, 0)).select_from(_LINES)
    found = (await conn.execute(overall.where(*where))).one()
    counted, summed = int(found[0]), Decimal(str(found[1]))
    trades = [
        TradeCost(**row, label=TRADE_LABELS.get(row["trade"], row["trade"]))
        for row in (await conn.execute(by_trade)).mappings()
    ]
    average = round(summed / counted, 2) if counted else None
    return TradeCostReport(turns=counted, total=summed, average_per_turn=average, trades=trades)


async def chargebacks(conn: AsyncConnection, user: CurrentUser, filters: ReportFilters) -> ChargebackReport:
    charged = scope_lines.c.chargeback.is_(True)
    figures = [
        func.count(distinct(scope_lines.c.turn_id)).label("turns"),
        func.count().label("lines"),
        func.sum(scope_lines.c.chargeback_amount).label("total"),
        func.sum(scope_lines.c.amount).label("scope_total"),
    ]
    query = select(*figures).select_from(_LINES).where(charged, *_conditions(user, filters))
    return await monthly_report(conn, query, DONE, ChargebackReport)
