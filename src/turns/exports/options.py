"""How an export is written, beside what it holds: readable (the default) or raw, and the
date format of the readable form.

A background export keeps its options in its job's ``filters`` (only those not at their
default, so an export with the defaults stores and audits just its filters).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DateFormat = Literal["iso", "us", "eu"]
DATE_FORMATS: dict[str, tuple[str, str]] = {
    "iso": ("%Y-%m-%d", "yyyy-mm-dd"),
    "us": ("%m/%d/%Y", "mm/dd/yyyy"),
    "eu": ("%d/%m/%Y", "dd/mm/yyyy"),
}
"""Each date format as Python writes it (CSV, PDF) and as an Excel number format."""


class ExportOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    raw: bool = Field(default=False, description="Ids, codes and ISO values, as machines read them")
    date_format: DateFormat = Field(
        default="iso", description="Dates of the readable form: iso 2026-12-06, us 12/06/2026, eu 06/12/2026"
    )

    def stored(self) -> dict[str, Any]:
        return self.model_dump(exclude_defaults=True)

    @classmethod
    def split(cls, stored: dict[str, Any]) -> tuple[dict[str, Any], ExportOptions]:
        """A job's stored filters as the filters proper and the options kept among them."""
        options = {k: stored[k] for k in cls.model_fields if k in stored}
        return {k: v for k, v in stored.items() if k not in options}, cls.model_validate(options)
