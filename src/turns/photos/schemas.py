"""Photos as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints, model_validator

Subject = Literal["turn", "inspection", "scope_line"]
Phase = Literal["before", "after"]
Size = Literal["original", "display", "thumb"]


class PhotoDetails(BaseModel):
    """What the uploader says of a photo (query parameters of the upload)."""

    subject: Subject = Field(
        default="turn", description="What the photo shows: the turn, an inspection item or a scope line"
    )
    subject_id: UUID | None = Field(default=None, description="The inspection item or scope line (not for `turn`)")
    phase: Phase | None = Field(default=None, description="Before or after the work")
    caption: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None

    @model_validator(mode="after")
    def _subject_named(self) -> PhotoDetails:
        if (self.subject == "turn") != (self.subject_id is None):
            raise ValueError("subject_id names the inspection item or scope line, and only for those subjects")
        return self


class PhotoFiles(BaseModel):
    original: str = Field(description="The kept image (metadata removed), full size")
    display: str = Field(description="At most 1600 px on its longest side (the original until it is made)")
    thumb: str = Field(description="At most 400 px on its longest side (the original until it is made)")


class PhotoOut(BaseModel):
    id: UUID
    turn_id: UUID
    property_id: UUID
    subject: Subject
    subject_id: UUID | None
    phase: Phase | None
    caption: str | None
    content_type: str
    uploaded_type: str
    byte_size: int
    width: int
    height: int
    sizes_ready: bool
    version: int
    created_at: datetime
    created_by: UUID | None
    files: PhotoFiles
