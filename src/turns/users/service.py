"""Users: the table the endpoints serve, a new user's row, and the rules beyond RLS: which
columns the directory shows, who may change whom and what, and the list filters. RLS
already limits rows (a vendor user sees only itself)
and the ``guard_user_privileges`` trigger refuses role, activity and vendor changes by
non-admins; these checks answer first, with a clear 403 or 422."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, or_

from turns.access.actions import MAKES_SUPER_ADMINS, is_vendor
from turns.access.identity import CurrentUser
from turns.access.roles import ADMINS, SUPER_ADMIN
from turns.api.versioned import Resource
from turns.auth.service import hash_new_password
from turns.db.tables import users
from turns.kit.errors import Forbidden, Unprocessable
from turns.users.schemas import Role, UserCreate, UserInvite, UserOut

SELF_EDITABLE = frozenset({"first_name", "last_name", "phone"})


RESOURCE = Resource(users, "/api/v1/users", "user", UserOut, ("email", "created_at"))


async def new_user(body: UserCreate) -> dict[str, Any]:
    """The row of a user created with ``body``: its password hashed (in a thread, as hashing
    is slow on purpose) once it passes the password rule, its role stored even when left to the default."""
    return body.model_dump(exclude_unset=True, exclude={"password"}) | {
        "role": body.role,
        "password_hash": await hash_new_password(
            body.password, field="password", personal=(body.email, body.first_name, body.last_name)
        ),
    }


def invited_user(body: UserInvite) -> dict[str, Any]:
    """The row of an invited user: no password until they follow the e-mailed link."""
    return body.model_dump(exclude_unset=True) | {"role": body.role}


def check_reset(user: CurrentUser, target: UserOut) -> None:
    if user.role not in ADMINS:
        raise Forbidden("only admins reset passwords")
    if target.role == "SUPER_ADMIN" and user.role != "SUPER_ADMIN":
        raise Forbidden("only a super admin changes a super admin")
    if target.is_active is False:
        raise Unprocessable("this user is deactivated; activate them first")


def check_create(user: CurrentUser, role: str, vendor_id: UUID | None) -> None:
    if user.role not in ADMINS:
        raise Forbidden("only admins create users")
    if role == SUPER_ADMIN and user.role not in MAKES_SUPER_ADMINS:
        raise Forbidden("only a super admin makes a super admin")
    check_vendor_link(role, vendor_id)


def check_vendor_link(role: str, vendor_id: UUID | None) -> None:
    if is_vendor(role) != (vendor_id is not None):
        raise Unprocessable("a VENDOR user needs a vendor_id, and only a VENDOR user may have one")


def check_update(user: CurrentUser, current: Mapping[Any, Any], changes: Mapping[str, Any]) -> None:
    """Admins change anyone (a super admin only another super admin changes); everyone else
    only their own name and phone. A field sent unchanged is not an edit."""
    if user.role in ADMINS:
        _check_rank(user, current)
        if changes.get("role") == SUPER_ADMIN and user.role not in MAKES_SUPER_ADMINS:
            raise Forbidden("only a super admin makes a super admin")
        check_vendor_link(changes.get("role", current["role"]), changes.get("vendor_id", current["vendor_id"]))
        return
    if current["id"] != user.id:
        raise Forbidden("you may change only your own name and phone")
    refused = sorted(k for k, v in changes.items() if current.get(k) != v and k not in SELF_EDITABLE)
    if refused:
        raise Forbidden(f"you may change only your own name and phone, not {', '.join(refused)}", fields=refused)


def check_set_active(user: CurrentUser, target: Mapping[Any, Any], active: bool) -> None:
    if user.role not in ADMINS:
        raise Forbidden("only admins activate or deactivate users")
    _check_rank(user, target)
    if not active and target["id"] == user.id:
        raise Unprocessable("you cannot deactivate yourself; ask another admin")


def _check_rank(admin: CurrentUser, target: Mapping[Any, Any]) -> None:
    if target["role"] == SUPER_ADMIN and admin.role not in MAKES_SUPER_ADMINS:
        raise Forbidden("only a super admin changes a super admin")


class UserFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    active: bool | None = None
    vendor_id: UUID | None = None
    q: str | None = Field(default=None, min_length=1, max_length=100, description="Prefix of e-mail or name")

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        for column, value in (("role", self.role), ("is_active", self.active), ("vendor_id", self.vendor_id)):
            if value is not None:
                found.append(users.c[column] == value)
        if self.q is not None:
            found.append(
                or_(
                    users.c.email.startswith(self.q.lower(), autoescape=True),
                    users.c.first_name.istartswith(self.q, autoescape=True),
                    users.c.last_name.istartswith(self.q, autoescape=True),
                )
            )
        return found
