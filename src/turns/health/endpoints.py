"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from turns.health import service
from turns.health.schemas import Health, Readiness

router = APIRouter(tags=["health"])


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
    body = await service.readiness(request.app.state.database)
    return JSONResponse(body.model_dump(), status_code=200 if body.status == "ready" else 503)
