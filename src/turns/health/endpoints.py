"""Liveness and readiness."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from turns.db.engines import Database
from turns.db.migrate import head_revision

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    database: Literal["ok", "unreachable"]
    schema_revision: str | None
    expected_revision: str


@router.get("/healthz", response_model=Health, summary="The process is alive")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="The database is reachable and its schema is at the code's revision",
    responses={503: {"model": Readiness, "description": "Not ready"}},
)
async def readyz(request: Request) -> JSONResponse:
    database: Database = request.app.state.database
    expected = head_revision()
    current: str | None = None
    reachable = True
    try:
        async with database.primary.connect() as conn:
            current = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    except (OperationalError, DBAPIError, OSError):
        reachable = False
    ready = reachable and current == expected
    body = Readiness(
        status="ready" if ready else "not ready",
        database="ok" if reachable else "unreachable",
        schema_revision=current,
        expected_revision=expected,
    )
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
