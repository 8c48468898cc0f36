"""``/api/v1/users``: the user directory and its administration."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from anyio import to_thread
from fastapi import APIRouter, Query, Response, status

from turns.db.tables import users
from turns.kit.errors import PROBLEM_RESPONSES
from turns.kit.pagination import Page
from turns.kit.records import Edit
from turns.kit.resources import IfMatch, PageQuery, Resource, User, add_activation, sort_field
from turns.kit.transaction import ReadTransaction, Transaction
from turns.passwords import hash_password
from turns.users import service
from turns.users.schemas import UserCreate, UserOut, UserUpdate
from turns.users.service import UserFilters

RESOURCE = Resource(users, "/api/v1/users", "user", UserOut, ("email", "created_at"))
router = APIRouter(prefix=RESOURCE.path, tags=["users"], responses=PROBLEM_RESPONSES)


class UserListQuery(PageQuery, UserFilters):
    sort: str = sort_field("email", RESOURCE.sortable)


@router.get(
    "",
    response_model=Page[UserOut],
    response_model_exclude_unset=True,
    summary="The user directory (a vendor user: only themselves), filtered and sorted",
)
async def list_users(conn: ReadTransaction, user: User, params: Annotated[UserListQuery, Query()]) -> Page[UserOut]:
    return await RESOURCE.page(conn, user, params, params.conditions())


@router.post(
    "",
    response_model=UserOut,
    response_model_exclude_unset=True,
    status_code=status.HTTP_201_CREATED,
    summary="Create a user with an initial password (admins; only a super admin makes a super admin)",
)
async def create_user(body: UserCreate, conn: Transaction, user: User, response: Response) -> UserOut:
    service.check_create(user, body.role, body.vendor_id)
    values = body.model_dump(exclude_unset=True, exclude={"password"}) | {
        "role": body.role,
        "password_hash": await to_thread.run_sync(hash_password, body.password),
    }
    return await RESOURCE.create(conn, user, values, response)


@router.get("/{user_id}", response_model=UserOut, response_model_exclude_unset=True, summary="One user")
async def get_user(user_id: UUID, conn: ReadTransaction, user: User, response: Response) -> UserOut:
    return await RESOURCE.get(conn, user, user_id, response)


@router.patch(
    "/{user_id}",
    response_model=UserOut,
    response_model_exclude_unset=True,
    summary="Change a user (admins); your own name and phone (everyone)",
)
async def update_user(
    user_id: UUID, body: UserUpdate, conn: Transaction, user: User, response: Response, if_match: IfMatch = None
) -> UserOut:
    return await RESOURCE.update(conn, user, user_id, Edit.of(body, if_match), service.check_update, response)


add_activation(
    router,
    RESOURCE,
    "user_id",
    service.check_set_active,
    ("Deactivate a user and end their sessions (admins; not yourself)", "Reactivate a user"),
    response_model_exclude_unset=True,
)
