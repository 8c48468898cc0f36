"""``/api/v1/turn-stages``: the stages a turn moves through (admins configure them)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from turns.api.versioned import IfMatch, PageQuery, User, add_activation, sort_field
from turns.auth.transaction import ReadTransaction, Transaction
from turns.kit.errors import PROBLEM_RESPONSES
from turns.kit.pagination import Page
from turns.kit.records import Edit
from turns.stages.schemas import StageCreate, StageOut, StageUpdate
from turns.stages.service import RESOURCE, StageFilters, check_admin

router = APIRouter(prefix=RESOURCE.path, tags=["turn stages"], responses=PROBLEM_RESPONSES)


class StageListQuery(PageQuery, StageFilters):
    sort: str = sort_field("display_order", RESOURCE.sortable)


@router.get("", response_model=Page[StageOut], summary="Turn stages, in workflow order unless sorted otherwise")
async def list_stages(conn: ReadTransaction, user: User, params: Annotated[StageListQuery, Query()]) -> Response:
    return await RESOURCE.page(conn, user, params, params.conditions())


@router.post("", response_model=StageOut, status_code=status.HTTP_201_CREATED, summary="Add a stage (admins)")
async def create_stage(body: StageCreate, conn: Transaction, user: User, response: Response) -> StageOut:
    check_admin(user)
    return await RESOURCE.create(conn, user, body.model_dump(exclude_unset=True), response)


@router.get("/{stage_id}", response_model=StageOut, summary="One turn stage")
async def get_stage(stage_id: UUID, conn: ReadTransaction, user: User, response: Response) -> StageOut:
    return await RESOURCE.get(conn, user, stage_id, response)


@router.patch("/{stage_id}", response_model=StageOut, summary="Change a stage's configuration (admins)")
async def update_stage(
    stage_id: UUID, body: StageUpdate, conn: Transaction, user: User, response: Response, if_match: IfMatch = None
) -> StageOut:
    return await RESOURCE.update(conn, user, stage_id, Edit.of(body, if_match), check_admin, response)


add_activation(
    router,
    RESOURCE,
    "stage_id",
    check_admin,
    (
        "Deactivate a stage (admins); never the last active stage nor the only complete one",
        "Reactivate a stage (admins)",
    ),
)
