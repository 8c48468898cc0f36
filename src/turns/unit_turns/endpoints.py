"""``/api/v1/turns``: the turn record. Moving a turn (stages, approvals, lock box) is in
:mod:`turns.workflow`."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from turns.access.actions import CLOSES_TURNS
from turns.api.versioned import IfMatch, PageQuery, User, add_activation, only, sort_field
from turns.auth.transaction import Transaction
from turns.kit.errors import PROBLEM_RESPONSES
from turns.kit.pagination import Page
from turns.kit.records import Edit
from turns.unit_turns import service
from turns.unit_turns.schemas import TurnCreate, TurnOut, TurnUpdate
from turns.unit_turns.service import RESOURCE, TurnFilters

router = APIRouter(prefix=RESOURCE.path, tags=["turns"], responses=PROBLEM_RESPONSES)


class TurnListQuery(PageQuery, TurnFilters):
    sort: str = sort_field("-created_at", RESOURCE.sortable)


@router.get(
    "",
    response_model=Page[TurnOut],
    response_model_exclude_unset=True,
    summary="Turns visible to you, filtered and sorted, a page at a time",
)
async def list_turns(conn: Transaction, user: User, params: Annotated[TurnListQuery, Query()]) -> Response:
    return await RESOURCE.page(conn, user, params, params.conditions(frozenset(RESOURCE.columns(user))))


@router.post(
    "",
    response_model=TurnOut,
    status_code=status.HTTP_201_CREATED,
    summary="Open a turn on a property (admins, the property's managers); it starts in the first active stage",
)
async def create_turn(body: TurnCreate, conn: Transaction, user: User, response: Response) -> TurnOut:
    service.check_create(user)
    return await RESOURCE.create(conn, user, await service.new_turn(conn, body), response)


@router.get("/{turn_id}", response_model=TurnOut, response_model_exclude_unset=True, summary="One turn")
async def get_turn(turn_id: UUID, conn: Transaction, user: User, response: Response) -> TurnOut:
    return await RESOURCE.get(conn, user, turn_id, response)


@router.patch(
    "/{turn_id}",
    response_model=TurnOut,
    response_model_exclude_unset=True,
    summary="Change fields of a turn (name the version you read); each role edits its own fields",
)
async def update_turn(
    turn_id: UUID, body: TurnUpdate, conn: Transaction, user: User, response: Response, if_match: IfMatch = None
) -> TurnOut:
    return await RESOURCE.update(conn, user, turn_id, Edit.of(body, if_match), service.check_update, response)


add_activation(
    router,
    RESOURCE,
    "turn_id",
    only(CLOSES_TURNS, "only admins and the property's managers close or reopen turns"),
    ("Close a turn without completing it", "Reopen a closed turn"),
)
