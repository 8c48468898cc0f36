"""``/api/v1/turns``: the turn record. Moving a turn (stages, approvals, lock box) is in
:mod:`turns.workflow`."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Response, status
from pydantic import Field
from sqlalchemy import select

from turns.access import readable_columns, scope_hint
from turns.auth.dependencies import CurrentUser, current_user
from turns.db.tables import turns
from turns.kit.errors import PROBLEM_RESPONSES, Forbidden
from turns.kit.pagination import MAX_LIMIT, Page, page_of, paginate
from turns.kit.records import expected_version, get_or_404, insert_row, set_etag, update_row
from turns.kit.transaction import Transaction
from turns.properties.schemas import VersionOnly
from turns.roles import ADMINS, MANAGERS
from turns.turns import service
from turns.turns.schemas import TurnCreate, TurnOut, TurnUpdate
from turns.turns.service import TurnFilters

router = APIRouter(prefix="/api/v1/turns", tags=["turns"], responses=PROBLEM_RESPONSES)
User = Annotated[CurrentUser, Depends(current_user)]
IfMatch = Annotated[str | None, Header()]
SORTABLE = ("created_at", "updated_at", "turn_id")
WHAT = "turn"


class TurnListQuery(TurnFilters):
    sort: str = Field(default="-created_at", description=f"One of {', '.join(SORTABLE)}; prefix - for descending")
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT)


def _columns(user: CurrentUser) -> list[str]:
    return sorted(readable_columns("turns", user.role))


def _out(row: Any, response: Response | None = None) -> TurnOut:
    if response is not None:
        set_etag(response, row)
    return TurnOut(**row)


@router.get(
    "",
    response_model=Page[TurnOut],
    response_model_exclude_unset=True,
    summary="Turns visible to you, filtered and sorted, a page at a time",
)
async def list_turns(
    conn: Transaction,
    user: User,
    params: Annotated[TurnListQuery, Query()],
) -> Page[TurnOut]:
    columns = _columns(user)
    query = select(*(turns.c[c] for c in columns)).where(
        *params.conditions(frozenset(columns)), *scope_hint("turns", user.role, user.id, user.vendor_id)
    )
    query = paginate(query, turns, sort=params.sort, allowed=SORTABLE, cursor=params.cursor, limit=params.limit)
    rows = (await conn.execute(query)).mappings().all()
    items, next_cursor = page_of(rows, sort=params.sort, limit=params.limit)
    return Page[TurnOut](items=[_out(r) for r in items], next_cursor=next_cursor)


@router.post(
    "",
    response_model=TurnOut,
    status_code=status.HTTP_201_CREATED,
    summary="Open a turn on a property (admins, the property's managers); it starts in the first active stage",
)
async def create_turn(body: TurnCreate, conn: Transaction, user: User, response: Response) -> TurnOut:
    service.check_create(user)
    await service.check_property_visible(conn, body.property_id)
    stage = await service.first_stage(conn)
    values = body.model_dump(exclude_unset=True) | {"stage_id": stage["id"]}
    row = await insert_row(conn, turns, values, _columns(user))
    response.headers["Location"] = f"/api/v1/turns/{row['id']}"
    return _out(row, response)


@router.get("/{turn_id}", response_model=TurnOut, response_model_exclude_unset=True, summary="One turn")
async def get_turn(turn_id: UUID, conn: Transaction, user: User, response: Response) -> TurnOut:
    return _out(await get_or_404(conn, turns, turn_id, _columns(user), WHAT), response)


@router.patch(
    "/{turn_id}",
    response_model=TurnOut,
    response_model_exclude_unset=True,
    summary="Change fields of a turn (name the version you read); each role edits its own fields",
)
async def update_turn(
    turn_id: UUID, body: TurnUpdate, conn: Transaction, user: User, response: Response, if_match: IfMatch = None
) -> TurnOut:
    version, from_header = expected_version(if_match, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    columns = _columns(user)
    current = await get_or_404(conn, turns, turn_id, columns, WHAT)
    service.check_update(user, current, changes)
    row = await update_row(conn, turns, turn_id, version, changes, columns, what=WHAT, from_header=from_header)
    return _out(row, response)


async def _set_active(
    turn_id: UUID, active: bool, body: VersionOnly, conn: Transaction, user: CurrentUser, if_match: str | None
) -> TurnOut:
    version, from_header = expected_version(if_match, body.version)
    columns = _columns(user)
    await get_or_404(conn, turns, turn_id, columns, WHAT)
    if user.role not in ADMINS | MANAGERS:
        raise Forbidden("only admins and the property's managers close or reopen turns")
    row = await update_row(
        conn, turns, turn_id, version, {"is_active": active}, columns, what=WHAT, from_header=from_header
    )
    return _out(row)


@router.post("/{turn_id}/deactivate", response_model=TurnOut, summary="Close a turn without completing it")
async def deactivate_turn(
    turn_id: UUID, body: VersionOnly, conn: Transaction, user: User, if_match: IfMatch = None
) -> TurnOut:
    return await _set_active(turn_id, False, body, conn, user, if_match)


@router.post("/{turn_id}/activate", response_model=TurnOut, summary="Reopen a closed turn")
async def activate_turn(
    turn_id: UUID, body: VersionOnly, conn: Transaction, user: User, if_match: IfMatch = None
) -> TurnOut:
    return await _set_active(turn_id, True, body, conn, user, if_match)
