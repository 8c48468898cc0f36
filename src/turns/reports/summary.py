"""The ``property_summary`` materialized view as the caller may see it, its freshness, and
asking for a refresh.

The view is read through ``property_summary_visible`` (migration 0003), which keeps the rows
of the properties RLS lets the acting user see. It is refreshed every five minutes by the
job worker (:mod:`turns.reports.tasks`); ``refreshed_at`` is the time of the last refresh.
"""

from __future__ import annotations

import time

from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Date,
    DateTime,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    cast,
    select,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.columns import readable_columns
from turns.access.identity import CurrentUser
from turns.access.scope import scope_hint
from turns.db.tables import properties, turns
from turns.jobs.enqueue import enqueue
from turns.jobs.queue import JOBS_SCHEMA
from turns.kit.pagination import page_of, paginate
from turns.properties.service import PropertyFilters
from turns.reports.aggregates import rounded
from turns.reports.filters import ReportFilters, require
from turns.reports.schemas import PropertySummaryPage, PropertySummaryRow, RefreshQueued
from turns.reports.tasks import REFRESH_PROPERTY_SUMMARY
from turns.unit_turns.service import TurnFilters

SORTABLE = ("property_id", "name", "total_turns", "active_turns")

# Not in turns.db.tables (which mirrors the migrations' tables): a view, and the queue's jobs.
_described = MetaData()
summary = Table(
    "property_summary_visible",
    _described,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("property_id", String(50)),
    Column("name", String(255)),
    Column("total_turns", BigInteger),
    Column("active_turns", BigInteger),
    Column("avg_turn_cost", Numeric),
    Column("last_turn_date", DateTime(timezone=True)),
    Column("refreshed_at", DateTime(timezone=True)),
)
jobs = Table(
    "procrastinate_jobs",
    _described,
    Column("id", BigInteger, primary_key=True),
    Column("task_name", String),
    Column("status", String),
    schema=JOBS_SCHEMA,
)
_REFRESH = jobs.c.task_name == REFRESH_PROPERTY_SUMMARY
_STATUS = cast(jobs.c.status, Text)  # an enum in the database; compared as text


def _conditions(user: CurrentUser, filters: ReportFilters) -> list[ColumnElement[bool]]:
    homes = [
        *PropertyFilters(market=filters.market, manager_id=filters.manager_id).conditions(
            readable_columns("properties", user.role)
        ),
        *scope_hint("properties", user.role, user.id, user.vendor_id),
    ]
    found: list[ColumnElement[bool]] = [summary.c.id.in_(select(properties.c.id).where(*homes))] if homes else []
    if filters.property_id is not None:
        found.append(summary.c.id == filters.property_id)
    if filters.vendor_id is not None:
        assigned = TurnFilters(vendor_id=filters.vendor_id).conditions(readable_columns("turns", user.role))
        found.append(summary.c.id.in_(select(turns.c.property_id).where(*assigned)))
    last = cast(summary.c.last_turn_date, Date)
    if filters.start is not None:
        found.append(last >= filters.start)
    if filters.end is not None:
        found.append(last <= filters.end)
    return found


async def property_summary(
    conn: AsyncConnection, user: CurrentUser, filters: ReportFilters, *, sort: str, cursor: str | None, limit: int
) -> PropertySummaryPage:
    """The average turn cost is an amount: a role that may not read amounts gets 403."""
    require(user, "turns", {"turn_amount"})
    shown = [c for c in summary.c if c.name not in ("refreshed_at", "avg_turn_cost")]
    query = select(*shown, rounded(summary.c.avg_turn_cost).label("avg_turn_cost")).where(*_conditions(user, filters))
    query = paginate(query, summary, sort=sort, allowed=SORTABLE, cursor=cursor, limit=limit)
    rows = (await conn.execute(query)).mappings().all()
    items, next_cursor = page_of(rows, sort=sort, limit=limit)
    pending = select(jobs.c.id).where(_REFRESH, _STATUS.in_(("todo", "doing"))).exists()
    # A refresh stamps every row with the same time (NOW() of its transaction): one row tells.
    refreshed = select(summary.c.refreshed_at).limit(1).scalar_subquery()
    freshness = (await conn.execute(select(refreshed.label("refreshed_at"), pending.label("pending")))).one()
    return PropertySummaryPage(
        items=[PropertySummaryRow(**r) for r in items],
        next_cursor=next_cursor,
        refreshed_at=freshness.refreshed_at,
        refresh_pending=freshness.pending,
    )


async def request_refresh(conn: AsyncConnection) -> RefreshQueued:
    """Queue a refresh in the request's transaction; at most one waits at a time (the task's
    queueing lock), so asking again while one waits returns that one."""
    try:
        async with conn.begin_nested():
            job_id = await enqueue(conn, REFRESH_PROPERTY_SUMMARY, timestamp=int(time.time()))
        return RefreshQueued(job_id=job_id, already_queued=False)
    except AlreadyEnqueued:
        waiting = await conn.scalar(select(jobs.c.id).where(_REFRESH, _STATUS == "todo"))
        return RefreshQueued(job_id=waiting, already_queued=True)
