"""``/api/v1/admin/monitor/*`` (admins) and ``/metrics`` (Prometheus).

The admin reports run on the API's own connection (the application role, on the
primary), so what they show is what ``turns_app`` may see: without ``pg_monitor``
statements and sessions of other roles are hidden, and each report's ``message`` says so.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from turns.access.identity import CurrentUser
from turns.access.roles import ADMINS
from turns.auth.dependencies import current_user, request_token
from turns.auth.transaction import Transaction
from turns.config import Settings
from turns.db.engines import Database
from turns.kit.errors import PROBLEM_RESPONSES, Forbidden, Unauthorized
from turns.monitoring import queries
from turns.monitoring.metrics import collect, exposition
from turns.monitoring.queries import SlowOrder
from turns.monitoring.replicas import ReplicaReport
from turns.monitoring.schemas import ConnectionGroup, ReplicaStatus, Report, Sizes, SlowQuery, UnusedIndexes
from turns.replicas import metrics as replica_metrics

router = APIRouter(prefix="/api/v1/admin/monitor", tags=["monitoring"], responses=PROBLEM_RESPONSES)
metrics_router = APIRouter(tags=["monitoring"])


async def _admin(user: Annotated[CurrentUser, Depends(current_user)]) -> CurrentUser:
    if user.role not in ADMINS:
        raise Forbidden("only admins see database monitoring")
    return user


Admin = Annotated[CurrentUser, Depends(_admin)]


@router.get("/slow-queries", response_model=Report[SlowQuery], summary="Statements with the most execution time")
async def slow_queries(
    conn: Transaction,
    _: Admin,
    limit: Annotated[int, Query(ge=1, le=1000)] = 10,
    by: Annotated[SlowOrder, Query(description="Rank by total or mean execution time")] = "total",
) -> Report[SlowQuery]:
    return await queries.slow_queries(conn, limit=limit, order=by)


@router.get("/sizes", response_model=Sizes, summary="Database size; the largest tables and indexes")
async def sizes(conn: Transaction, _: Admin, limit: Annotated[int, Query(ge=1, le=1000)] = 20) -> Sizes:
    return await queries.sizes(conn, limit=limit)


@router.get("/unused-indexes", response_model=UnusedIndexes, summary="Indexes never scanned (not unique or primary)")
async def unused_indexes(conn: Transaction, _: Admin) -> UnusedIndexes:
    return await queries.unused_indexes(conn)


@router.get("/connections", response_model=Report[ConnectionGroup], summary="Connections by application name and state")
async def connections(conn: Transaction, _: Admin) -> Report[ConnectionGroup]:
    return await queries.connections(conn)


@router.get("/replicas", response_model=ReplicaStatus, summary="The read replica's health and lag; read routing")
async def replicas(request: Request, _: Admin) -> ReplicaStatus:
    database: Database = request.app.state.database
    health = database.router.monitor.health if database.router is not None else None
    return ReplicaStatus.of(
        ReplicaReport(configured=health is not None, health=health, routes=replica_metrics.routes())
    )


@metrics_router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus text exposition; with ``TURNS_METRICS_TOKEN`` set, only for that bearer token."""
    settings: Settings = request.app.state.settings
    if settings.metrics_token is not None:
        found = request_token(request)
        sent = found[0] if found is not None and not found[1] else ""
        if not hmac.compare_digest(sent.encode(), settings.metrics_token.encode()):
            raise Unauthorized("send the metrics token as a bearer token", headers={"WWW-Authenticate": "Bearer"})
    await collect(request.app.state.database)
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
