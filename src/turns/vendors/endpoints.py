"""``/api/v1/vendors``: vendor companies."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Response, status
from pydantic import Field
from sqlalchemy import select

from turns.access import readable_columns
from turns.auth.dependencies import CurrentUser, current_user
from turns.db.tables import vendors
from turns.kit.errors import PROBLEM_RESPONSES, Forbidden
from turns.kit.pagination import MAX_LIMIT, Page, page_of, paginate
from turns.kit.records import expected_version, get_or_404, insert_row, set_etag, update_row
from turns.kit.transaction import ReadTransaction, Transaction
from turns.properties.schemas import VersionOnly
from turns.roles import ADMINS
from turns.vendors.schemas import VendorCreate, VendorOut, VendorUpdate
from turns.vendors.service import VendorFilters, check_update

router = APIRouter(prefix="/api/v1/vendors", tags=["vendors"], responses=PROBLEM_RESPONSES)
User = Annotated[CurrentUser, Depends(current_user)]
IfMatch = Annotated[str | None, Header()]
SORTABLE = ("company_name", "created_at", "updated_at")
WHAT = "vendor"


class VendorListQuery(VendorFilters):
    sort: str = Field(default="company_name", description=f"One of {', '.join(SORTABLE)}; prefix - for descending")
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT)


def _columns(user: CurrentUser) -> list[str]:
    return sorted(readable_columns("vendors", user.role))


def _out(row: Any, response: Response | None = None) -> VendorOut:
    if response is not None:
        set_etag(response, row)
    return VendorOut(**row)


@router.get("", response_model=Page[VendorOut], summary="Vendors visible to you (a vendor user: its own company)")
async def list_vendors(
    conn: ReadTransaction, user: User, params: Annotated[VendorListQuery, Query()]
) -> Page[VendorOut]:
    columns = _columns(user)
    query = select(*(vendors.c[c] for c in columns)).where(*params.conditions(frozenset(columns)))
    query = paginate(query, vendors, sort=params.sort, allowed=SORTABLE, cursor=params.cursor, limit=params.limit)
    rows = (await conn.execute(query)).mappings().all()
    items, next_cursor = page_of(rows, sort=params.sort, limit=params.limit)
    return Page[VendorOut](items=[_out(r) for r in items], next_cursor=next_cursor)


@router.post("", response_model=VendorOut, status_code=status.HTTP_201_CREATED, summary="Add a vendor (admins)")
async def create_vendor(body: VendorCreate, conn: Transaction, user: User, response: Response) -> VendorOut:
    if user.role not in ADMINS:
        raise Forbidden("only admins add vendors")
    row = await insert_row(conn, vendors, body.model_dump(exclude_unset=True), _columns(user))
    response.headers["Location"] = f"/api/v1/vendors/{row['id']}"
    return _out(row, response)


@router.get("/{vendor_id}", response_model=VendorOut, summary="One vendor")
async def get_vendor(vendor_id: UUID, conn: ReadTransaction, user: User, response: Response) -> VendorOut:
    return _out(await get_or_404(conn, vendors, vendor_id, _columns(user), WHAT), response)


@router.patch(
    "/{vendor_id}",
    response_model=VendorOut,
    summary="Change a vendor (admins; a vendor user the contact fields of its own company)",
)
async def update_vendor(
    vendor_id: UUID, body: VendorUpdate, conn: Transaction, user: User, response: Response, if_match: IfMatch = None
) -> VendorOut:
    version, from_header = expected_version(if_match, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    columns = _columns(user)
    current = await get_or_404(conn, vendors, vendor_id, columns, WHAT)
    check_update(user, current, changes)
    row = await update_row(conn, vendors, vendor_id, version, changes, columns, what=WHAT, from_header=from_header)
    return _out(row, response)


async def _set_active(
    vendor_id: UUID, active: bool, body: VersionOnly, conn: Transaction, user: CurrentUser, if_match: str | None
) -> VendorOut:
    version, from_header = expected_version(if_match, body.version)
    columns = _columns(user)
    await get_or_404(conn, vendors, vendor_id, columns, WHAT)
    if user.role not in ADMINS:
        raise Forbidden("only admins activate or deactivate vendors")
    row = await update_row(
        conn, vendors, vendor_id, version, {"is_active": active}, columns, what=WHAT, from_header=from_header
    )
    return _out(row)


@router.post("/{vendor_id}/deactivate", response_model=VendorOut, summary="Deactivate a vendor (admins)")
async def deactivate_vendor(
    vendor_id: UUID, body: VersionOnly, conn: Transaction, user: User, if_match: IfMatch = None
) -> VendorOut:
    return await _set_active(vendor_id, False, body, conn, user, if_match)


@router.post("/{vendor_id}/activate", response_model=VendorOut, summary="Reactivate a vendor (admins)")
async def activate_vendor(
    vendor_id: UUID, body: VersionOnly, conn: Transaction, user: User, if_match: IfMatch = None
) -> VendorOut:
    return await _set_active(vendor_id, True, body, conn, user, if_match)
