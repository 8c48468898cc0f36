"""``/api/v1/vendors``: vendor companies."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from turns.access.roles import ADMINS
from turns.api.versioned import IfMatch, PageQuery, User, add_activation, only, sort_field
from turns.auth.transaction import ReadTransaction, Transaction
from turns.kit.errors import PROBLEM_RESPONSES, Forbidden
from turns.kit.pagination import Page
from turns.kit.records import Edit
from turns.vendors.schemas import VendorCreate, VendorOut, VendorUpdate
from turns.vendors.service import RESOURCE, VendorFilters, check_update

router = APIRouter(prefix=RESOURCE.path, tags=["vendors"], responses=PROBLEM_RESPONSES)


class VendorListQuery(PageQuery, VendorFilters):
    sort: str = sort_field("company_name", RESOURCE.sortable)


@router.get("", response_model=Page[VendorOut], summary="Vendors visible to you (a vendor user: its own company)")
async def list_vendors(conn: ReadTransaction, user: User, params: Annotated[VendorListQuery, Query()]) -> Response:
    return await RESOURCE.page(conn, user, params, params.conditions(frozenset(RESOURCE.columns(user))))


@router.post("", response_model=VendorOut, status_code=status.HTTP_201_CREATED, summary="Add a vendor (admins)")
async def create_vendor(body: VendorCreate, conn: Transaction, user: User, response: Response) -> VendorOut:
    if user.role not in ADMINS:
        raise Forbidden("only admins add vendors")
    return await RESOURCE.create(conn, user, body.model_dump(exclude_unset=True), response)


@router.get("/{vendor_id}", response_model=VendorOut, summary="One vendor")
async def get_vendor(vendor_id: UUID, conn: ReadTransaction, user: User, response: Response) -> VendorOut:
    return await RESOURCE.get(conn, user, vendor_id, response)


@router.patch(
    "/{vendor_id}",
    response_model=VendorOut,
    summary="Change a vendor (admins; a vendor user the contact fields of its own company)",
)
async def update_vendor(
    vendor_id: UUID, body: VendorUpdate, conn: Transaction, user: User, response: Response, if_match: IfMatch = None
) -> VendorOut:
    return await RESOURCE.update(conn, user, vendor_id, Edit.of(body, if_match), check_update, response)


add_activation(
    router,
    RESOURCE,
    "vendor_id",
    only(ADMINS, "only admins activate or deactivate vendors"),
    ("Deactivate a vendor (admins)", "Reactivate a vendor (admins)"),
)
