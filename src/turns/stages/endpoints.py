"""``/api/v1/turn-stages``: the stages a turn moves through (admins configure them)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Response, status
from pydantic import Field
from sqlalchemy import select

from turns.access import readable_columns
from turns.auth.dependencies import CurrentUser, current_user
from turns.db.tables import turn_stages
from turns.kit.errors import PROBLEM_RESPONSES, Forbidden
from turns.kit.pagination import MAX_LIMIT, Page, page_of, paginate
from turns.kit.records import expected_version, get_or_404, insert_row, set_etag, update_row
from turns.kit.transaction import ReadTransaction, Transaction
from turns.properties.schemas import VersionOnly
from turns.roles import ADMINS
from turns.stages.schemas import StageCreate, StageOut, StageUpdate
from turns.stages.service import StageFilters, check_workflow_kept

router = APIRouter(prefix="/api/v1/turn-stages", tags=["turn stages"], responses=PROBLEM_RESPONSES)
User = Annotated[CurrentUser, Depends(current_user)]
IfMatch = Annotated[str | None, Header()]
SORTABLE = ("display_order", "name", "created_at", "updated_at")
WHAT = "stage"


class StageListQuery(StageFilters):
    sort: str = Field(default="display_order", description=f"One of {', '.join(SORTABLE)}; prefix - for descending")
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT)


def _columns(user: CurrentUser) -> list[str]:
    return sorted(readable_columns("turn_stages", user.role))


def _out(row: Any, response: Response | None = None) -> StageOut:
    if response is not None:
        set_etag(response, row)
    return StageOut(**row)


def _check_admin(user: CurrentUser) -> None:
    if user.role not in ADMINS:
        raise Forbidden("only admins configure turn stages")


@router.get("", response_model=Page[StageOut], summary="Turn stages, in workflow order unless sorted otherwise")
async def list_stages(conn: ReadTransaction, user: User, params: Annotated[StageListQuery, Query()]) -> Page[StageOut]:
    query = select(*(turn_stages.c[c] for c in _columns(user))).where(*params.conditions())
    query = paginate(query, turn_stages, sort=params.sort, allowed=SORTABLE, cursor=params.cursor, limit=params.limit)
    rows = (await conn.execute(query)).mappings().all()
    items, next_cursor = page_of(rows, sort=params.sort, limit=params.limit)
    return Page[StageOut](items=[_out(r) for r in items], next_cursor=next_cursor)


@router.post("", response_model=StageOut, status_code=status.HTTP_201_CREATED, summary="Add a stage (admins)")
async def create_stage(body: StageCreate, conn: Transaction, user: User, response: Response) -> StageOut:
    _check_admin(user)
    row = await insert_row(conn, turn_stages, body.model_dump(exclude_unset=True), _columns(user))
    response.headers["Location"] = f"/api/v1/turn-stages/{row['id']}"
    return _out(row, response)


@router.get("/{stage_id}", response_model=StageOut, summary="One turn stage")
async def get_stage(stage_id: UUID, conn: ReadTransaction, user: User, response: Response) -> StageOut:
    return _out(await get_or_404(conn, turn_stages, stage_id, _columns(user), WHAT), response)


@router.patch("/{stage_id}", response_model=StageOut, summary="Change a stage's configuration (admins)")
async def update_stage(
    stage_id: UUID, body: StageUpdate, conn: Transaction, user: User, response: Response, if_match: IfMatch = None
) -> StageOut:
    version, from_header = expected_version(if_match, body.version)
    columns = _columns(user)
    current = await get_or_404(conn, turn_stages, stage_id, columns, WHAT)
    _check_admin(user)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    if changes.get("is_complete_stage") is False:
        await check_workflow_kept(conn, stage_id, stays_active=current["is_active"])
    row = await update_row(conn, turn_stages, stage_id, version, changes, columns, what=WHAT, from_header=from_header)
    return _out(row, response)


async def _set_active(
    stage_id: UUID, active: bool, body: VersionOnly, conn: Transaction, user: CurrentUser, if_match: str | None
) -> StageOut:
    version, from_header = expected_version(if_match, body.version)
    columns = _columns(user)
    await get_or_404(conn, turn_stages, stage_id, columns, WHAT)
    _check_admin(user)
    if not active:
        await check_workflow_kept(conn, stage_id, stays_active=False)
    row = await update_row(
        conn, turn_stages, stage_id, version, {"is_active": active}, columns, what=WHAT, from_header=from_header
    )
    return _out(row)


@router.post(
    "/{stage_id}/deactivate",
    response_model=StageOut,
    summary="Deactivate a stage (admins); never the last active stage nor the only complete one",
)
async def deactivate_stage(
    stage_id: UUID, body: VersionOnly, conn: Transaction, user: User, if_match: IfMatch = None
) -> StageOut:
    return await _set_active(stage_id, False, body, conn, user, if_match)


@router.post("/{stage_id}/activate", response_model=StageOut, summary="Reactivate a stage (admins)")
async def activate_stage(
    stage_id: UUID, body: VersionOnly, conn: Transaction, user: User, if_match: IfMatch = None
) -> StageOut:
    return await _set_active(stage_id, True, body, conn, user, if_match)
