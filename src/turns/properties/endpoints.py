"""``/api/v1/properties``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Response, status
from sqlalchemy import or_, select

from turns.access import readable_columns, scope_hint
from turns.auth.dependencies import CurrentUser, current_user
from turns.db.tables import properties
from turns.kit.errors import PROBLEM_RESPONSES, Forbidden
from turns.kit.pagination import MAX_LIMIT, Page, page_of, paginate
from turns.kit.records import expected_version, get_or_404, insert_row, set_etag, update_row
from turns.kit.transaction import Transaction
from turns.properties.schemas import PropertyCreate, PropertyOut, PropertyUpdate, VersionOnly
from turns.properties.service import check_update
from turns.roles import ADMINS

router = APIRouter(prefix="/api/v1/properties", tags=["properties"], responses=PROBLEM_RESPONSES)
User = Annotated[CurrentUser, Depends(current_user)]
SORTABLE = ("created_at", "updated_at", "property_id", "name")
WHAT = "property"


def _columns(user: CurrentUser) -> list[str]:
    return sorted(readable_columns("properties", user.role))


def _out(row: Any) -> PropertyOut:
    return PropertyOut(**row)


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
    sort: Annotated[str, Query(description=f"One of {', '.join(SORTABLE)}; prefix - for descending")] = "property_id",
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[PropertyOut]:
    columns = _columns(user)
    query = select(*(properties.c[c] for c in columns)).where(
        *scope_hint("properties", user.role, user.id, user.vendor_id)
    )
    for column, value in (("market", market), ("state", state), ("city", city), ("is_active", active)):
        if value is not None:
            query = query.where(properties.c[column] == value)
    if manager_id is not None:
        query = query.where(
            or_(properties.c.property_manager_id == manager_id, properties.c.sr_property_manager_id == manager_id)
        )
    if move_out_from is not None:
        query = query.where(properties.c.move_out_date >= move_out_from)
    if move_out_to is not None:
        query = query.where(properties.c.move_out_date <= move_out_to)
    query = paginate(query, properties, sort=sort, allowed=SORTABLE, cursor=cursor, limit=limit)
    rows = (await conn.execute(query)).mappings().all()
    items, next_cursor = page_of(rows, sort=sort, limit=limit)
    return Page[PropertyOut](items=[_out(r) for r in items], next_cursor=next_cursor)


@router.post("", response_model=PropertyOut, status_code=status.HTTP_201_CREATED, summary="Create a property (admins)")
async def create_property(body: PropertyCreate, conn: Transaction, user: User, response: Response) -> PropertyOut:
    if user.role not in ADMINS:
        raise Forbidden("only admins create properties")
    row = await insert_row(conn, properties, body.model_dump(exclude_unset=True), _columns(user))
    response.headers["Location"] = f"/api/v1/properties/{row['id']}"
    set_etag(response, row)
    return _out(row)


@router.get("/{property_id}", response_model=PropertyOut, response_model_exclude_unset=True, summary="One property")
async def get_property(property_id: UUID, conn: Transaction, user: User, response: Response) -> PropertyOut:
    row = await get_or_404(conn, properties, property_id, _columns(user), WHAT)
    set_etag(response, row)
    return _out(row)


@router.patch(
    "/{property_id}",
    response_model=PropertyOut,
    response_model_exclude_unset=True,
    summary="Change fields of a property (name the version you read)",
)
async def update_property(
    property_id: UUID,
    body: PropertyUpdate,
    conn: Transaction,
    user: User,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> PropertyOut:
    version, from_header = expected_version(if_match, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    if user.role == "VENDOR":
        raise Forbidden("vendor users cannot change properties")
    current = await get_or_404(conn, properties, property_id, _columns(user), WHAT)
    check_update(user, current, changes)
    row = await update_row(
        conn, properties, property_id, version, changes, _columns(user), what=WHAT, from_header=from_header
    )
    set_etag(response, row)
    return _out(row)


async def _set_active(
    property_id: UUID, active: bool, body: VersionOnly, conn: Transaction, user: CurrentUser, if_match: str | None
) -> PropertyOut:
    version, from_header = expected_version(if_match, body.version)
    await get_or_404(conn, properties, property_id, ["id"], WHAT)
    if user.role not in ADMINS:
        raise Forbidden("only admins activate or deactivate properties")
    row = await update_row(
        conn,
        properties,
        property_id,
        version,
        {"is_active": active},
        _columns(user),
        what=WHAT,
        from_header=from_header,
    )
    return _out(row)


@router.post("/{property_id}/deactivate", response_model=PropertyOut, summary="Deactivate a property (admins)")
async def deactivate_property(
    property_id: UUID,
    body: VersionOnly,
    conn: Transaction,
    user: User,
    if_match: Annotated[str | None, Header()] = None,
) -> PropertyOut:
    return await _set_active(property_id, False, body, conn, user, if_match)


@router.post("/{property_id}/activate", response_model=PropertyOut, summary="Reactivate a property (admins)")
async def activate_property(
    property_id: UUID,
    body: VersionOnly,
    conn: Transaction,
    user: User,
    if_match: Annotated[str | None, Header()] = None,
) -> PropertyOut:
    return await _set_active(property_id, True, body, conn, user, if_match)
