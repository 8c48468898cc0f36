"""Admin-wide reports served from snapshots that the reporting job refreshes.

An admin's unfiltered report aggregates every turn (and, for stage dwell, the whole stage
history): at a million turns that takes seconds to minutes on every request. The reporting
job (:mod:`turns.reports.tasks`, every five minutes) computes each report of :data:`SNAPSHOTS`
as the system user, who sees every row like an admin, with no filters, and keeps the result in
``report_snapshots`` with ``as_of``, the time it was computed. An admin's request without filters
reads that row; the figures are those of ``as_of``, which every report returns.

Everything else is computed on request as before, under RLS, with ``as_of`` the time of the
request: a filtered admin report, every other role's report (a manager's covers only their
properties; a vendor's refusals are the builders' own), and an admin's report before the first
refresh. The table's policies let only admins read snapshots (migration 0026).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import get_type_hints

from pydantic import BaseModel
from sqlalchemy import JSON, Text, cast, func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.identity import CurrentUser
from turns.access.roles import ADMINS, SUPER_ADMIN
from turns.db.context import SYSTEM_USER_ID
from turns.db.engines import retire_if_large
from turns.db.tables import report_snapshots
from turns.reports import by_stage, cost, durations, scope, vendors
from turns.reports.filters import ReportBuilder, ReportFilters
from turns.reports.schemas import AsOf

SNAPSHOTS: dict[str, ReportBuilder] = {
    "turn-time": durations.turn_time,
    "days-vacant": durations.days_vacant,
    "on-time": durations.on_time,
    "cost": cost.turn_cost,
    "cost-by-trade": scope.cost_by_trade,
    "chargebacks": scope.chargebacks,
    "stage-dwell": by_stage.stage_dwell,
    "vendors": vendors.vendor_scorecards,
}
"""The reports an admin reads from a snapshot when unfiltered. The pipeline is not among them:
it reads only the active turns (fast at any size) and ages them by today's date."""

NO_FILTERS = ReportFilters()
_SYSTEM = CurrentUser(
    id=SYSTEM_USER_ID, email="system@turns.invalid", role=SUPER_ADMIN, vendor_id=None, session_id=SYSTEM_USER_ID
)


def from_snapshot(user: CurrentUser, filters: ReportFilters) -> bool:
    """Whether ``user``'s report with ``filters`` is the admin-wide one a snapshot holds."""
    return user.role in ADMINS and filters == NO_FILTERS


async def stored(conn: AsyncConnection, user: CurrentUser, filters: ReportFilters, name: str) -> str | None:
    """The JSON of report ``name``'s snapshot with its ``as_of``, when ``user``'s report with
    ``filters`` is the admin-wide one and a snapshot was taken. The body is sent as it was
    written (validated then): the vendors' cards at a hundred thousand properties are megabytes
    that parsing and serializing again would spend most of a request on."""
    if name not in SNAPSHOTS or not from_snapshot(user, filters):
        return None
    kept = select(cast(report_snapshots.c.body, Text), report_snapshots.c.as_of)
    found = (await conn.execute(kept.where(report_snapshots.c.report == name))).first()
    if found is None:
        return None
    body: str = found[0]
    await retire_if_large(conn, len(body))
    # The body is a JSON object written by pydantic: as_of, written the same way, goes in last.
    return f"{body[:-1]},{AsOf(as_of=found[1]).model_dump_json()[1:]}"


async def report(
    conn: AsyncConnection, user: CurrentUser, filters: ReportFilters, name: str, build: ReportBuilder
) -> BaseModel:
    """Report ``name`` (made by ``build``) as ``user`` sees it with ``filters``: from its snapshot
    when :func:`stored` has one, else computed now."""
    kept = await stored(conn, user, filters, name)
    if kept is None:
        return await computed(conn, user, filters, build)
    model: type[BaseModel] = get_type_hints(build)["return"]
    return model.model_validate_json(kept)


async def computed(conn: AsyncConnection, user: CurrentUser, filters: ReportFilters, build: ReportBuilder) -> BaseModel:
    """``build``'s report computed now, stamped with the time it started."""
    as_of = datetime.now(UTC)
    return (await build(conn, user, filters)).model_copy(update={"as_of": as_of})


async def take(conn: AsyncConnection, name: str) -> datetime:
    """Compute report ``name`` admin-wide and keep it as its snapshot; returns its ``as_of``
    (the database's clock when the computation began: the figures include every commit before it)."""
    as_of: datetime = (await conn.execute(select(func.clock_timestamp()))).scalar_one()
    found = await SNAPSHOTS[name](conn, _SYSTEM, NO_FILTERS)
    written = found.model_dump_json(exclude={"as_of"})
    body = cast(literal(written, Text), JSON)
    upsert = insert(report_snapshots).values(report=name, body=body, as_of=as_of)
    await conn.execute(upsert.on_conflict_do_update(index_elements=["report"], set_={"body": body, "as_of": as_of}))
    await retire_if_large(conn, len(written))
    return as_of
