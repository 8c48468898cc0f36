"""Turn stages: the table the endpoints serve, its list filters, and its rule: the workflow
always keeps a stage to start in and one to finish in.

A new turn starts in the first active stage and is completed by entering an active
complete stage (:mod:`turns.workflow.service`), so neither may disappear.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.roles import ADMINS
from turns.api.versioned import Resource, only
from turns.db.tables import turn_stages
from turns.kit.errors import Unprocessable
from turns.stages.schemas import StageOut

check_admin = only(ADMINS, "only admins configure turn stages")


async def keep_workflow(conn: AsyncConnection, stage: Mapping[Any, Any], changes: Mapping[str, Any]) -> None:
    """Deactivating a stage, or making it an ordinary stage, must keep the workflow whole."""
    if changes.get("is_active") is False:
        await check_workflow_kept(conn, stage["id"], stays_active=False)
    elif changes.get("is_complete_stage") is False:
        await check_workflow_kept(conn, stage["id"], stays_active=stage["is_active"])


async def check_workflow_kept(conn: AsyncConnection, stage_id: UUID, *, stays_active: bool) -> None:
    """Refuse to deactivate ``stage_id`` (or, when it ``stays_active``, to make it an ordinary
    stage) if no active stage, or no active complete stage where there was one, would remain.
    The active stages are locked, so two admins cannot each remove one of the last two."""
    query = select(turn_stages.c.id, turn_stages.c.is_complete_stage).where(turn_stages.c.is_active).with_for_update()
    before = {row.id: row.is_complete_stage for row in await conn.execute(query)}
    after = {k: v for k, v in before.items() if k != stage_id} | ({stage_id: False} if stays_active else {})
    if not after:
        raise Unprocessable("this is the last active stage: new turns need a stage to start in")
    if any(before.values()) and not any(after.values()):
        raise Unprocessable("this is the only active complete stage: without it no turn could be completed")


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
