"""API models of search: the query and its typed hits."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from turns.search.service import TARGETS

Match = Literal["exact", "prefix", "similar"]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


class SearchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=2, max_length=100),
        AfterValidator(_no_nul),
        Field(description="What to look for: an id, a name, an address (typos are forgiven)"),
    ]
    types: str = Field(
        default=",".join(TARGETS),
        description=f"Comma-separated kinds of record to search: {', '.join(TARGETS)}",
    )
    limit: int = Field(default=20, ge=1, le=50)

    @field_validator("types")
    @classmethod
    def _known_types(cls, value: str) -> str:
        asked = [t.strip() for t in value.split(",") if t.strip()]
        unknown = sorted(set(asked) - TARGETS.keys())
        if unknown or not asked:
            raise ValueError(f"choose from {', '.join(TARGETS)}; unknown: {', '.join(unknown) or 'none given'}")
        return ",".join(dict.fromkeys(asked))


class Hit(BaseModel):
    id: UUID
    label: str
    score: float = Field(description="Trigram word similarity of the best-matching field, 0 to 1")
    match: Match = Field(description="exact or prefix match of an id (ranked first), else similar")


class PropertyHit(Hit):
    type: Literal["property"] = "property"
    property_id: str | None = None
    street_address: str | None = None
    city: str | None = None
    state: str | None = None


class TurnHit(Hit):
    type: Literal["turn"] = "turn"
    turn_id: str | None = None
    wo_number: str | None = None
    property_id: UUID | None = None
    status: str | None = None
    is_active: bool | None = None


class VendorHit(Hit):
    type: Literal["vendor"] = "vendor"
    company_name: str | None = None
    contact_name: str | None = None
    city: str | None = None
    state: str | None = None


AnyHit = Annotated[PropertyHit | TurnHit | VendorHit, Field(discriminator="type")]


class SearchResults(BaseModel):
    items: list[AnyHit]
