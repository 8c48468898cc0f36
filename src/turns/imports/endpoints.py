"""``/api/v1/imports``: CSV files of move-outs, properties or vendors, previewed then imported.

The file is the form field ``file`` of a ``multipart/form-data`` body. ``preview`` reports
every row's problems and writes nothing; ``import`` writes every row or, when any row has a
problem, nothing (422 with the same report). Limits: :data:`~turns.imports.reading.MAX_FILE_BYTES`
(413, refused before it is read), :data:`~turns.imports.reading.MAX_ROWS` rows, UTF-8 text.
"""

from __future__ import annotations

from fastapi import APIRouter, UploadFile

from turns.api.versioned import User
from turns.auth.transaction import Transaction
from turns.imports import service
from turns.imports.reading import MAX_FILE_BYTES
from turns.imports.schemas import ImportKind, ImportReport, ImportResult
from turns.imports.upload import UploadRoute, too_large
from turns.kit.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1/imports", tags=["imports"], responses=PROBLEM_RESPONSES, route_class=UploadRoute)


async def _read(file: UploadFile) -> tuple[str, bytes]:
    data = await file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise too_large()
    return file.filename or "upload.csv", data


@router.post(
    "/{kind}/preview",
    response_model=ImportReport,
    summary="Check a CSV file row by row and report every problem; nothing is written",
)
async def preview_import(kind: ImportKind, file: UploadFile, conn: Transaction, user: User) -> ImportReport:
    service.check_allowed(user.role, kind)
    name, data = await _read(file)
    return await service.preview(conn, kind, name, data)


@router.post(
    "/{kind}",
    response_model=ImportResult,
    status_code=201,
    summary="Import a CSV file: every row, in one transaction, or nothing (422 with the report)",
)
async def run_import(kind: ImportKind, file: UploadFile, conn: Transaction, user: User) -> ImportResult:
    service.check_allowed(user.role, kind)
    name, data = await _read(file)
    return await service.run(conn, kind, name, data)
