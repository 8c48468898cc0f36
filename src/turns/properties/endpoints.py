"""``/api/v1/properties``."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from turns.access.actions import CHANGES_NO_PROPERTIES
from turns.access.columns import readable_columns
from turns.access.roles import ADMINS
from turns.api.versioned import IfMatch, PageQuery, User, add_activation, only
from turns.auth.transaction import Transaction
from turns.kit.errors import PROBLEM_RESPONSES, Forbidden
from turns.kit.pagination import MAX_LIMIT, Page
from turns.kit.records import Edit
from turns.properties.schemas import PropertyCreate, PropertyOut, PropertyUpdate
from turns.properties.service import RESOURCE, PropertyFilters, check_update

router = APIRouter(prefix=RESOURCE.path, tags=["properties"], responses=PROBLEM_RESPONSES)
SORT = f"One of {', '.join(RESOURCE.sortable)}; prefix - for descending"


@router.get(
    "",
    response_model=Page[PropertyOut],
    response_model_exclude_unset=True,
    summary="Properties visible to you, filtered and sorted, a page at a time",
)
async def list_properties(
    conn: Transaction,
    user: User,
    market: str | None = None,
    state: str | None = None,
    city: str | None = None,
    manager_id: Annotated[UUID | None, Query(description="Property manager or senior manager")] = None,
    active: bool | None = None,
    move_out_from: date | None = None,
    move_out_to: date | None = None,
    sort: Annotated[str, Query(description=SORT)] = "property_id",
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Response:
    # The exports' property filters, built from this endpoint's own (already validated) parameters.
    filters = PropertyFilters.model_construct(
        market=market,
        state=state,
        city=city,
        manager_id=manager_id,
        active=active,
        move_out_from=move_out_from,
        move_out_to=move_out_to,
    )
    page = PageQuery(sort=sort, cursor=cursor, limit=limit)
    return await RESOURCE.page(conn, user, page, filters.conditions(readable_columns("properties", user.role)))


@router.post("", response_model=PropertyOut, status_code=status.HTTP_201_CREATED, summary="Create a property (admins)")
async def create_property(body: PropertyCreate, conn: Transaction, user: User, response: Response) -> PropertyOut:
    if user.role not in ADMINS:
        raise Forbidden("only admins create properties")
    return await RESOURCE.create(conn, user, body.model_dump(exclude_unset=True), response)


@router.get("/{property_id}", response_model=PropertyOut, response_model_exclude_unset=True, summary="One property")
async def get_property(property_id: UUID, conn: Transaction, user: User, response: Response) -> PropertyOut:
    return await RESOURCE.get(conn, user, property_id, response)


@router.patch(
    "/{property_id}",
    response_model=PropertyOut,
    response_model_exclude_unset=True,
    summary="Change fields of a property (name the version you read)",
)
async def update_property(
    property_id: UUID, body: PropertyUpdate, conn: Transaction, user: User, response: Response, if_match: IfMatch = None
) -> PropertyOut:
    edit = Edit.of(body, if_match)
    if user.role in CHANGES_NO_PROPERTIES:
        raise Forbidden("vendor users cannot change properties")
    return await RESOURCE.update(conn, user, property_id, edit, check_update, response)


add_activation(
    router,
    RESOURCE,
    "property_id",
    only(ADMINS, "only admins activate or deactivate properties"),
    ("Deactivate a property (admins)", "Reactivate a property (admins)"),
)
