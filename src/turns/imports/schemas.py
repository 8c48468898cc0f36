"""API models of imports: the report on a file (its preview) and the result of importing it."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

ImportKind = Literal["move-outs", "properties", "vendors"]


class RowReport(BaseModel):
    row: int = Field(description="The row's number as a spreadsheet shows it (the header is row 1)")
    values: dict[str, str] = Field(description="The row's cells, by the name of the column they fill")
    refers_to: str | None = Field(default=None, description="For a move-out, the property it was matched to")
    problems: list[str] = Field(description="What is wrong with the row, in plain words; empty when nothing is")


class ImportReport(BaseModel):
    """Every row of the file with its problems: the preview, and the body of a refused import."""

    kind: ImportKind
    file_name: str
    columns: list[str] = Field(description="The columns the file fills, in plain words, in the file's order")
    ignored_columns: list[str] = Field(description="Headers of the file that name no column of this kind")
    problems: list[str] = Field(description="Problems of the file as a whole (missing or repeated columns)")
    rows: list[RowReport]
    rows_with_problems: int
    ok: bool = Field(description="True when the file can be imported as it is")


class ImportResult(BaseModel):
    kind: ImportKind
    file_name: str
    imported: int = Field(description="How many records were created")
    import_id: UUID = Field(description="Names the import in the audit log")
