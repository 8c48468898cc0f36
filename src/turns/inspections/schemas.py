"""API models of inspection templates, inspections, their results, and what finishing proposes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from turns.scope.schemas import Position, Quantity, ScopeLineOut, Trade, Unit

TemplateKind = Literal["SINGLE_FAMILY", "APARTMENT", "OTHER"]
Condition = Literal["OK", "CLEAN", "REPAIR", "REPLACE"]
InspectionStatus = Literal["IN_PROGRESS", "FINISHED"]
FOR_WORK: tuple[Condition, ...] = ("CLEAN", "REPAIR", "REPLACE")
"""The conditions that propose a scope line when the inspection is finished."""
Name = Annotated[str, Field(min_length=1, max_length=100, pattern=r"\S")]
Area = Annotated[str, Field(min_length=1, max_length=60, pattern=r"\S")]
Note = Annotated[str, Field(max_length=500)]


class TemplateItemFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    area: Area | None = None
    item: Name | None = None
    trade: Trade | None = None
    unit: Unit | None = None
    position: Position | None = None


class TemplateItemCreate(TemplateItemFields):
    """An item of a template: where in the home, what, and the scope line it would become."""

    area: Area
    item: Name
    trade: Trade


class TemplateItemUpdate(TemplateItemFields):
    version: int | None = Field(default=None, description="The version you read (or send If-Match)")


class TemplateItemOut(BaseModel):
    id: UUID
    version: int
    template_id: UUID
    area: str
    item: str
    trade: Trade
    unit: Unit
    position: int


class TemplateFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    kind: TemplateKind | None = None
    is_active: bool | None = None


class TemplateCreate(TemplateFields):
    name: Name
    kind: TemplateKind
    items: list[TemplateItemCreate] = Field(default_factory=list, max_length=500)


class TemplateUpdate(TemplateFields):
    version: int | None = Field(default=None, description="The version you read (or send If-Match)")


class ChecklistItem(BaseModel):
    """An item of a checklist saved whole (its place in the list is its walking order): with the
    id and version read to keep (and change) an item, without them to add one."""

    model_config = ConfigDict(extra="forbid")

    id: UUID | None = None
    version: int | None = None
    area: Area
    item: Name
    trade: Trade
    unit: Unit = "each"


class RemovedItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: UUID
    version: int


class Checklist(BaseModel):
    """A template's items saved at once, in walking order; every item the template had and the
    list leaves out is named in ``removed`` with the version read, so an item added meanwhile by
    someone else is never dropped unseen."""

    model_config = ConfigDict(extra="forbid")

    items: list[ChecklistItem] = Field(max_length=500)
    removed: list[RemovedItem] = Field(default_factory=list, max_length=500)


class TemplateOut(BaseModel):
    id: UUID
    version: int
    name: str
    kind: TemplateKind
    is_active: bool
    items: list[TemplateItemOut] = Field(default_factory=list)


class Templates(BaseModel):
    items: list[TemplateOut]


class InspectionStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template_id: UUID | None = Field(
        default=None, description="The template to walk; the first active single-family one unless named"
    )


class InspectionOut(BaseModel):
    id: UUID
    version: int
    turn_id: UUID
    property_id: UUID
    template_id: UUID
    kind: Literal["MOVE_OUT"]
    status: InspectionStatus
    inspector_id: UUID
    started_at: datetime
    finished_at: datetime | None = None


class Inspections(BaseModel):
    items: list[InspectionOut]


class ResultFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    condition: Condition | None = None
    note: Note | None = None
    quantity: Quantity | None = None


class ResultCreate(ResultFields):
    """An item's condition; recording the same item again with the same values answers the
    result already there (a device replaying its queue), with other values a conflict."""

    template_item_id: UUID
    condition: Condition


class ResultUpdate(ResultFields):
    version: int | None = Field(default=None, description="The version you read (or send If-Match)")


class ResultOut(BaseModel):
    id: UUID
    version: int
    inspection_id: UUID
    turn_id: UUID
    template_item_id: UUID
    condition: Condition
    note: str | None = None
    quantity: Decimal


class InspectionDetail(InspectionOut):
    """An inspection with the template it walks and the results recorded so far."""

    template: TemplateOut
    results: list[ResultOut]


class Finished(BaseModel):
    """The finished inspection and the scope lines it proposed (unpriced, for the manager)."""

    inspection: InspectionOut
    lines: list[ScopeLineOut]
