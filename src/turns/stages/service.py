"""Turn stages: the table the endpoints serve and its list filters. Changes keep the workflow
whole: a stage to start in and one to finish in (:func:`turns.workflow.transitions.keep_workflow`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement

from turns.access.roles import ADMINS
from turns.api.versioned import Resource, only
from turns.db.tables import turn_stages
from turns.stages.schemas import StageOut
from turns.workflow.transitions import keep_workflow

check_admin = only(ADMINS, "only admins configure turn stages")


RESOURCE = Resource(
    turn_stages,
    "/api/v1/turn-stages",
    "stage",
    StageOut,
    ("display_order", "name", "created_at", "updated_at"),
    invariant=keep_workflow,
)


class StageFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool | None = None
    complete: bool | None = None
    requires_approval: bool | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        for column, value in (
            ("is_active", self.active),
            ("is_complete_stage", self.complete),
            ("requires_approval", self.requires_approval),
        ):
            if value is not None:
                found.append(turn_stages.c[column] == value)
        return found
