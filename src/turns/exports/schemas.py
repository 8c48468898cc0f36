"""API models of exports."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

ExportStatus = Literal["QUEUED", "RUNNING", "DONE", "FAILED"]


class ExportJobOut(BaseModel):
    """A background export: its progress, and where to download the file once it is done."""

    id: UUID
    resource: str
    format: str
    status: ExportStatus
    filters: dict[str, Any]
    rows_total: int | None = Field(description="Rows to export, once the job has counted them")
    rows_written: int
    error: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    download_url: str | None = Field(default=None, description="Set when the file is ready")
