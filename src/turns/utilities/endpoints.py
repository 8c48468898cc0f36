"""``/api/v1/utility-providers``: the power, water and gas companies turns refer to."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from turns.api.versioned import IfMatch, PageQuery, User, add_activation, sort_field
from turns.auth.transaction import ReadTransaction, Transaction
from turns.kit.errors import PROBLEM_RESPONSES
from turns.kit.pagination import Page
from turns.kit.records import Edit
from turns.utilities.schemas import UtilityProviderCreate, UtilityProviderOut, UtilityProviderUpdate
from turns.utilities.service import RESOURCE, UtilityProviderFilters, check_admin

router = APIRouter(prefix=RESOURCE.path, tags=["utility providers"], responses=PROBLEM_RESPONSES)


class UtilityProviderListQuery(PageQuery, UtilityProviderFilters):
    sort: str = sort_field("name", RESOURCE.sortable)


@router.get("", response_model=Page[UtilityProviderOut], summary="Utility providers, filtered and sorted")
async def list_utility_providers(
    conn: ReadTransaction, user: User, params: Annotated[UtilityProviderListQuery, Query()]
) -> Response:
    return await RESOURCE.page(conn, user, params, params.conditions())


@router.post(
    "", response_model=UtilityProviderOut, status_code=status.HTTP_201_CREATED, summary="Add a provider (admins)"
)
async def create_utility_provider(
    body: UtilityProviderCreate, conn: Transaction, user: User, response: Response
) -> UtilityProviderOut:
    check_admin(user)
    return await RESOURCE.create(conn, user, body.model_dump(exclude_unset=True), response)


@router.get("/{provider_id}", response_model=UtilityProviderOut, summary="One utility provider")
async def get_utility_provider(
    provider_id: UUID, conn: ReadTransaction, user: User, response: Response
) -> UtilityProviderOut:
    return await RESOURCE.get(conn, user, provider_id, response)


@router.patch("/{provider_id}", response_model=UtilityProviderOut, summary="Change a provider (admins)")
async def update_utility_provider(
    provider_id: UUID,
    body: UtilityProviderUpdate,
    conn: Transaction,
    user: User,
    response: Response,
    if_match: IfMatch = None,
) -> UtilityProviderOut:
    return await RESOURCE.update(conn, user, provider_id, Edit.of(body, if_match), check_admin, response)


add_activation(
    router,
    RESOURCE,
    "provider_id",
    check_admin,
    ("Deactivate a provider (admins)", "Reactivate a provider (admins)"),
)
