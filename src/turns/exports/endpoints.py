"""``/api/v1/exports``: turns, properties, vendors and the audit log as CSV, xlsx or PDF.

``GET /api/v1/exports/{resource}.{format}`` takes the list endpoint's filters, and
``raw`` / ``date_format`` (:class:`~turns.exports.options.ExportOptions`): readable by
default (names, labels, formats), raw for machines. Up to
``TURNS_EXPORT_STREAM_LIMIT`` rows the file is streamed in the response; beyond that, or
with ``background=true``, the export becomes a background job (``202``) whose progress is
at ``/api/v1/exports/jobs/{id}`` and whose file only its requester may download.

Every export writes an ``EXPORT`` audit row, committed before the first byte is sent. The
rows are read in a read-only transaction on the read path, as the signed-in user, held
open while the response streams (a server-side cursor lives in its transaction).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from turns.access.identity import CurrentUser
from turns.auth.dependencies import current_user
from turns.auth.transaction import StreamingReadTransaction, Transaction
from turns.config import Settings
from turns.exports import service
from turns.exports.datasets import RESOURCES, AuditFilters, Format, Resource, VendorFilters
from turns.exports.files import export_path
from turns.exports.formats import MEDIA_TYPES
from turns.exports.options import ExportOptions
from turns.exports.schemas import ExportJobOut
from turns.kit.errors import PROBLEM_RESPONSES, Conflict
from turns.properties.service import PropertyFilters
from turns.unit_turns.service import TurnFilters

router = APIRouter(prefix="/api/v1/exports", tags=["exports"], responses=PROBLEM_RESPONSES)
User = Annotated[CurrentUser, Depends(current_user)]
BACKGROUND = Field(default=False, description="Run as a background job whatever the size")


FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The export file", "content": {media: {} for media in MEDIA_TYPES.values()}},
    202: {"description": "Too large to stream: a background export was queued", "model": ExportJobOut},
}


def _job_out(row: dict[str, Any]) -> ExportJobOut:
    done = row["status"] == "DONE"
    return ExportJobOut(**row, download_url=f"/api/v1/exports/jobs/{row['id']}/file" if done else None)


def _filename(resource: Resource, fmt: str) -> str:
    return f"{resource.name}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.{fmt}"


async def _export(
    request: Request,
    resource: Resource,
    fmt: Format,
    params: BaseModel,
    background: bool,
    user: CurrentUser,
    conn: Transaction,
    read: StreamingReadTransaction,
) -> Response:
    settings: Settings = request.app.state.settings
    started = await service.start(
        conn, read, user, resource, fmt, params, background=background, stream_limit=settings.export_stream_limit
    )
    if not isinstance(started, service.Streamed):
        location = f"/api/v1/exports/jobs/{started['id']}"
        return JSONResponse(
            _job_out(started).model_dump(mode="json"),
            status_code=status.HTTP_202_ACCEPTED,
            headers={"Location": location},
        )
    return StreamingResponse(
        started.body,
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{_filename(resource, fmt)}"',
            "X-Export-Id": str(started.export_id),
            "Cache-Control": "no-store",
        },
    )


class TurnExportQuery(TurnFilters, ExportOptions):
    background: bool = BACKGROUND


class PropertyExportQuery(PropertyFilters, ExportOptions):
    background: bool = BACKGROUND


class VendorExportQuery(VendorFilters, ExportOptions):
    background: bool = BACKGROUND


class AuditExportQuery(AuditFilters, ExportOptions):
    background: bool = BACKGROUND


@router.get("/turns.{fmt}", responses=FILE_RESPONSES, summary="Export the turns visible to you")
async def export_turns(
    fmt: Format,
    params: Annotated[TurnExportQuery, Query()],
    request: Request,
    conn: Transaction,
    user: User,
    read: StreamingReadTransaction,
) -> Response:
    return await _export(request, RESOURCES["turns"], fmt, params, params.background, user, conn, read)


@router.get("/properties.{fmt}", responses=FILE_RESPONSES, summary="Export the properties visible to you")
async def export_properties(
    fmt: Format,
    params: Annotated[PropertyExportQuery, Query()],
    request: Request,
    conn: Transaction,
    user: User,
    read: StreamingReadTransaction,
) -> Response:
    return await _export(request, RESOURCES["properties"], fmt, params, params.background, user, conn, read)


@router.get("/vendors.{fmt}", responses=FILE_RESPONSES, summary="Export the vendors visible to you")
async def export_vendors(
    fmt: Format,
    params: Annotated[VendorExportQuery, Query()],
    request: Request,
    conn: Transaction,
    user: User,
    read: StreamingReadTransaction,
) -> Response:
    return await _export(request, RESOURCES["vendors"], fmt, params, params.background, user, conn, read)


@router.get("/audit.{fmt}", responses=FILE_RESPONSES, summary="Export the audit trail visible to you")
async def export_audit(
    fmt: Format,
    params: Annotated[AuditExportQuery, Query()],
    request: Request,
    conn: Transaction,
    user: User,
    read: StreamingReadTransaction,
) -> Response:
    return await _export(request, RESOURCES["audit"], fmt, params, params.background, user, conn, read)


@router.get("/jobs/{export_id}", response_model=ExportJobOut, summary="A background export of yours: its progress")
async def get_export_job(export_id: UUID, conn: Transaction) -> ExportJobOut:
    # On the primary: a replica may not have the job yet right after the 202.
    return _job_out(await service.get(conn, export_id))


@router.get(
    "/jobs/{export_id}/file",
    response_class=FileResponse,
    responses={200: {"description": "The export file", "content": {m: {} for m in MEDIA_TYPES.values()}}},
    summary="Download a finished background export of yours",
)
async def download_export(export_id: UUID, request: Request, conn: Transaction) -> FileResponse:
    job = await service.get(conn, export_id)
    if job["status"] != "DONE":
        raise Conflict(f"the export is {job['status'].lower()}, not ready to download")
    settings: Settings = request.app.state.settings
    path = export_path(settings.data_dir, export_id, job["format"])
    if not path.is_file():
        raise Conflict("the export's file is no longer available; export again")
    resource = RESOURCES[job["resource"]]
    return FileResponse(
        path,
        media_type=MEDIA_TYPES[job["format"]],
        filename=f"{resource.name}-{job['created_at']:%Y%m%dT%H%M%SZ}.{job['format']}",
        headers={"Cache-Control": "no-store"},
    )
