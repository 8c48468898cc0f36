"""``/api/v1/users``: the user directory and its administration."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from anyio import to_thread
from fastapi import APIRouter, Depends, Header, Query, Response, status
from pydantic import Field
from sqlalchemy import select

from turns.auth.dependencies import CurrentUser, current_user
from turns.db.tables import users
from turns.kit.errors import PROBLEM_RESPONSES
from turns.kit.pagination import MAX_LIMIT, Page, page_of, paginate
from turns.kit.records import expected_version, get_or_404, insert_row, set_etag, update_row
from turns.kit.transaction import ReadTransaction, Transaction
from turns.passwords import hash_password
from turns.properties.schemas import VersionOnly
from turns.users import service
from turns.users.schemas import UserCreate, UserOut, UserUpdate
from turns.users.service import UserFilters

router = APIRouter(prefix="/api/v1/users", tags=["users"], responses=PROBLEM_RESPONSES)
User = Annotated[CurrentUser, Depends(current_user)]
IfMatch = Annotated[str | None, Header()]
SORTABLE = ("email", "created_at")
WHAT = "user"


class UserListQuery(UserFilters):
    sort: str = Field(default="email", description=f"One of {', '.join(SORTABLE)}; prefix - for descending")
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT)


def _out(row: Any, response: Response | None = None) -> UserOut:
    if response is not None:
        set_etag(response, row)
    return UserOut(**row)


@router.get(
    "",
    response_model=Page[UserOut],
    response_model_exclude_unset=True,
    summary="The user directory (a vendor user: only themselves), filtered and sorted",
)
async def list_users(conn: ReadTransaction, user: User, params: Annotated[UserListQuery, Query()]) -> Page[UserOut]:
    query = select(*(users.c[c] for c in service.columns(user.role))).where(*params.conditions())
    query = paginate(query, users, sort=params.sort, allowed=SORTABLE, cursor=params.cursor, limit=params.limit)
    rows = (await conn.execute(query)).mappings().all()
    items, next_cursor = page_of(rows, sort=params.sort, limit=params.limit)
    return Page[UserOut](items=[_out(r) for r in items], next_cursor=next_cursor)


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
    row = await insert_row(conn, users, values, service.columns(user.role))
    response.headers["Location"] = f"/api/v1/users/{row['id']}"
    return _out(row, response)


@router.get("/{user_id}", response_model=UserOut, response_model_exclude_unset=True, summary="One user")
async def get_user(user_id: UUID, conn: ReadTransaction, user: User, response: Response) -> UserOut:
    return _out(await get_or_404(conn, users, user_id, service.columns(user.role), WHAT), response)


@router.patch(
    "/{user_id}",
    response_model=UserOut,
    response_model_exclude_unset=True,
    summary="Change a user (admins); your own name and phone (everyone)",
)
async def update_user(
    user_id: UUID, body: UserUpdate, conn: Transaction, user: User, response: Response, if_match: IfMatch = None
) -> UserOut:
    version, from_header = expected_version(if_match, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    columns = service.columns(user.role)
    current = await get_or_404(conn, users, user_id, columns, WHAT)
    service.check_update(user, current, changes)
    row = await update_row(conn, users, user_id, version, changes, columns, what=WHAT, from_header=from_header)
    return _out(row, response)


async def _set_active(
    user_id: UUID, active: bool, body: VersionOnly, conn: Transaction, user: CurrentUser, if_match: str | None
) -> UserOut:
    version, from_header = expected_version(if_match, body.version)
    columns = service.columns(user.role)
    target = await get_or_404(conn, users, user_id, columns, WHAT)
    service.check_set_active(user, target, active)
    row = await update_row(
        conn, users, user_id, version, {"is_active": active}, columns, what=WHAT, from_header=from_header
    )
    return _out(row)


@router.post(
    "/{user_id}/deactivate",
    response_model=UserOut,
    response_model_exclude_unset=True,
    summary="Deactivate a user and end their sessions (admins; not yourself)",
)
async def deactivate_user(
    user_id: UUID, body: VersionOnly, conn: Transaction, user: User, if_match: IfMatch = None
) -> UserOut:
    return await _set_active(user_id, False, body, conn, user, if_match)


@router.post(
    "/{user_id}/activate", response_model=UserOut, response_model_exclude_unset=True, summary="Reactivate a user"
)
async def activate_user(
    user_id: UUID, body: VersionOnly, conn: Transaction, user: User, if_match: IfMatch = None
) -> UserOut:
    return await _set_active(user_id, True, body, conn, user, if_match)
