"""``/api/v1/utility-providers``: the power, water and gas companies turns refer to."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Response, status
from pydantic import Field
from sqlalchemy import select

from turns.access import readable_columns
from turns.auth.dependencies import CurrentUser, current_user
from turns.db.tables import utility_providers
from turns.kit.errors import PROBLEM_RESPONSES, Forbidden
from turns.kit.pagination import MAX_LIMIT, Page, page_of, paginate
from turns.kit.records import expected_version, get_or_404, insert_row, set_etag, update_row
from turns.kit.transaction import ReadTransaction, Transaction
from turns.properties.schemas import VersionOnly
from turns.roles import ADMINS
from turns.utilities.schemas import UtilityProviderCreate, UtilityProviderOut, UtilityProviderUpdate
from turns.utilities.service import UtilityProviderFilters

router = APIRouter(prefix="/api/v1/utility-providers", tags=["utility providers"], responses=PROBLEM_RESPONSES)
User = Annotated[CurrentUser, Depends(current_user)]
IfMatch = Annotated[str | None, Header()]
SORTABLE = ("name", "created_at", "updated_at")
WHAT = "utility provider"


class UtilityProviderListQuery(UtilityProviderFilters):
    sort: str = Field(default="name", description=f"One of {', '.join(SORTABLE)}; prefix - for descending")
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT)


def _columns(user: CurrentUser) -> list[str]:
    return sorted(readable_columns("utility_providers", user.role))


def _out(row: Any, response: Response | None = None) -> UtilityProviderOut:
    if response is not None:
        set_etag(response, row)
    return UtilityProviderOut(**row)


def _check_admin(user: CurrentUser) -> None:
    if user.role not in ADMINS:
        raise Forbidden("only admins change utility providers")


@router.get("", response_model=Page[UtilityProviderOut], summary="Utility providers, filtered and sorted")
async def list_utility_providers(
    conn: ReadTransaction, user: User, params: Annotated[UtilityProviderListQuery, Query()]
) -> Page[UtilityProviderOut]:
    table = utility_providers
    query = select(*(table.c[c] for c in _columns(user))).where(*params.conditions())
    query = paginate(query, table, sort=params.sort, allowed=SORTABLE, cursor=params.cursor, limit=params.limit)
    rows = (await conn.execute(query)).mappings().all()
    items, next_cursor = page_of(rows, sort=params.sort, limit=params.limit)
    return Page[UtilityProviderOut](items=[_out(r) for r in items], next_cursor=next_cursor)


@router.post(
    "", response_model=UtilityProviderOut, status_code=status.HTTP_201_CREATED, summary="Add a provider (admins)"
)
async def create_utility_provider(
    body: UtilityProviderCreate, conn: Transaction, user: User, response: Response
) -> UtilityProviderOut:
    _check_admin(user)
    row = await insert_row(conn, utility_providers, body.model_dump(exclude_unset=True), _columns(user))
    response.headers["Location"] = f"/api/v1/utility-providers/{row['id']}"
    return _out(row, response)


@router.get("/{provider_id}", response_model=UtilityProviderOut, summary="One utility provider")
async def get_utility_provider(
    provider_id: UUID, conn: ReadTransaction, user: User, response: Response
) -> UtilityProviderOut:
    return _out(await get_or_404(conn, utility_providers, provider_id, _columns(user), WHAT), response)


@router.patch("/{provider_id}", response_model=UtilityProviderOut, summary="Change a provider (admins)")
async def update_utility_provider(
    provider_id: UUID,
    body: UtilityProviderUpdate,
    conn: Transaction,
    user: User,
    response: Response,
    if_match: IfMatch = None,
) -> UtilityProviderOut:
    version, from_header = expected_version(if_match, body.version)
    columns = _columns(user)
    await get_or_404(conn, utility_providers, provider_id, columns, WHAT)
    _check_admin(user)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    row = await update_row(
        conn, utility_providers, provider_id, version, changes, columns, what=WHAT, from_header=from_header
    )
    return _out(row, response)


async def _set_active(
    provider_id: UUID, active: bool, body: VersionOnly, conn: Transaction, user: CurrentUser, if_match: str | None
) -> UtilityProviderOut:
    version, from_header = expected_version(if_match, body.version)
    columns = _columns(user)
    await get_or_404(conn, utility_providers, provider_id, columns, WHAT)
    _check_admin(user)
    row = await update_row(
        conn,
        utility_providers,
        provider_id,
        version,
        {"is_active": active},
        columns,
        what=WHAT,
        from_header=from_header,
    )
    return _out(row)


@router.post("/{provider_id}/deactivate", response_model=UtilityProviderOut, summary="Deactivate a provider (admins)")
async def deactivate_utility_provider(
    provider_id: UUID, body: VersionOnly, conn: Transaction, user: User, if_match: IfMatch = None
) -> UtilityProviderOut:
    return await _set_active(provider_id, False, body, conn, user, if_match)


@router.post("/{provider_id}/activate", response_model=UtilityProviderOut, summary="Reactivate a provider (admins)")
async def activate_utility_provider(
    provider_id: UUID, body: VersionOnly, conn: Transaction, user: User, if_match: IfMatch = None
) -> UtilityProviderOut:
    return await _set_active(provider_id, True, body, conn, user, if_match)
