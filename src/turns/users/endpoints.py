"""``/api/v1/users``: the user directory and its administration."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from turns.api.versioned import IfMatch, PageQuery, User, add_activation, sort_field
from turns.auth.transaction import ReadTransaction, Transaction, client_ip, open_transaction
from turns.db.context import Actor
from turns.kit.errors import GONE_RESPONSE, PROBLEM_RESPONSES
from turns.kit.pagination import Page
from turns.kit.records import Edit
from turns.users import invites, service
from turns.users.schemas import (
    AcceptInvite,
    InviteAccepted,
    LinkSent,
    UserCreate,
    UserInvite,
    UserOut,
    UserUpdate,
)
from turns.users.service import RESOURCE, UserFilters

router = APIRouter(prefix=RESOURCE.path, tags=["users"], responses=PROBLEM_RESPONSES)
links_router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses=PROBLEM_RESPONSES)


class UserListQuery(PageQuery, UserFilters):
    sort: str = sort_field("email", RESOURCE.sortable)


@router.get(
    "",
    response_model=Page[UserOut],
    response_model_exclude_unset=True,
    summary="The user directory (a vendor user: only themselves), filtered and sorted",
)
async def list_users(conn: ReadTransaction, user: User, params: Annotated[UserListQuery, Query()]) -> Response:
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
    return await RESOURCE.create(conn, user, await service.new_user(body), response)


@router.post(
    "/invite",
    response_model=UserOut,
    response_model_exclude_unset=True,
    status_code=status.HTTP_201_CREATED,
    summary="Create a user without a password and e-mail them a one-time link to choose one (admins; 72 h)",
)
async def invite_user(body: UserInvite, conn: Transaction, user: User, response: Response) -> UserOut:
    service.check_create(user, body.role, body.vendor_id)
    created = await RESOURCE.create(conn, user, service.invited_user(body), response)
    await invites.issue(conn, user, created.id, "invite")
    return created


@router.post(
    "/{user_id}/reset-password",
    response_model=LinkSent,
    status_code=status.HTTP_202_ACCEPTED,
    summary="E-mail a user a one-time link to choose a new password (admins; earlier links stop working)",
)
async def reset_password(user_id: UUID, conn: Transaction, user: User, response: Response) -> LinkSent:
    target = await RESOURCE.get(conn, user, user_id, response)
    service.check_reset(user, target)
    return LinkSent(expires_at=await invites.issue(conn, user, user_id, "reset"))


@links_router.post(
    "/accept-invite",
    response_model=InviteAccepted,
    responses=GONE_RESPONSE,
    summary="Choose a password with the token of an invitation or reset link (once; 410 when used or expired)",
)
async def accept_invite(body: AcceptInvite, request: Request) -> InviteAccepted:
    anonymous = Actor(
        user_id=None,
        context="accept-invite",
        ip_address=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    async with open_transaction(request.app.state.database, anonymous) as conn:
        found = await invites.accept(conn, body.token, body.password)
    return InviteAccepted(email=found["email"])


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
