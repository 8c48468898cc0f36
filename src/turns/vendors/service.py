"""Vendors: the table the endpoints serve, the rules beyond RLS (what a vendor user may change
on its own company), and the list filters (shared by the list endpoint and exports)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ARRAY, ColumnElement, Text, cast
from sqlalchemy.dialects.postgresql import array

from turns.access.actions import is_vendor
from turns.access.identity import CurrentUser
from turns.access.roles import ADMINS
from turns.api.versioned import Resource
from turns.db.tables import vendors
from turns.kit.errors import Forbidden
from turns.kit.filters import text_filter
from turns.vendors.schemas import VendorOut
from turns.vendors.trades import Trade

RESOURCE = Resource(vendors, "/api/v1/vendors", "vendor", VendorOut, ("company_name", "created_at", "updated_at"))
CONTACT_FIELDS = frozenset({"contact_name", "email", "phone", "street_address", "city", "state", "zip_code"})

# PostgreSQL text cannot hold NUL; the filters refuse it up front (an export streams, so
# a database error would come too late to be the client's 422).


def check_update(user: CurrentUser, current: Mapping[Any, Any], changes: Mapping[str, Any]) -> None:
    """Admins change anything; a vendor user the contact fields of its own company (RLS
    hides other companies from it); nobody else anything. Unchanged values are no edit."""
    if user.role in ADMINS:
        return
    if not is_vendor(user.role) or current["id"] != user.vendor_id:
        raise Forbidden("only admins and the company's own users change a vendor")
    changed = {k for k, v in changes.items() if current.get(k) != v}
    refused = sorted(changed - CONTACT_FIELDS)
    if refused:
        raise Forbidden(f"a vendor user changes only contact fields, not {', '.join(refused)}", fields=refused)


class VendorFilters(BaseModel):
    """The filters of ``GET /api/v1/vendors`` and of the vendor exports."""

    model_config = ConfigDict(extra="forbid")

    active: bool | None = None
    approved: bool | None = None
    state: str | None = text_filter(50)
    city: str | None = text_filter(100)
    trade: Trade | None = None
    market: str | None = text_filter(100)

    def conditions(self, readable: frozenset[str]) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        for column, value in (
            ("is_active", self.active),
            ("is_approved", self.approved),
            ("state", self.state),
            ("city", self.city),
        ):
            if value is not None:
                found.append(vendors.c[column] == value)
        for column, value in (("trades", self.trade), ("markets", self.market)):
            if value is not None:  # containment, so the GIN index serves it
                found.append(vendors.c[column].op("@>")(cast(array([value]), ARRAY(Text))))
        return found
