"""``/api/v1/auth``: log in and out, who am I, my sessions, my password."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response, status

from turns.access.identity import CurrentUser
from turns.auth import service
from turns.auth.dependencies import current_user, session_lifetime
from turns.auth.schemas import LoginRequest, LoginResponse, Me, PasswordChange, SessionInfo
from turns.auth.tokens import COOKIE, CSRF_COOKIE, csrf_token
from turns.auth.transaction import Transaction, client_ip, open_transaction, user_actor
from turns.config import Settings
from turns.db.context import Actor
from turns.kit.errors import PROBLEM_RESPONSES, Forbidden, NotFound, TooManyRequests, Unauthorized

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses=PROBLEM_RESPONSES)


def _set_cookies(response: Response, settings: Settings, token: str, csrf: str) -> None:
    """The session cookie is ``SameSite=Strict``: no request another site starts (a link, a
    form, an image) carries it, not even a top-level GET, so an export (which writes its
    audit row) cannot be triggered from elsewhere. The web app's page needs no session; its
    own API calls carry the cookie."""
    max_age = settings.session_absolute_hours * 3600
    response.set_cookie(
        COOKIE, token, max_age=max_age, httponly=True, samesite="strict", secure=settings.cookie_secure, path="/"
    )
    response.set_cookie(
        CSRF_COOKIE, csrf, max_age=max_age, httponly=False, samesite="strict", secure=settings.cookie_secure, path="/"
    )


@router.post("/login", response_model=LoginResponse, summary="Log in with e-mail and password")
async def login(body: LoginRequest, request: Request, response: Response) -> LoginResponse:
    settings: Settings = request.app.state.settings
    ip = client_ip(request)
    user_agent = request.headers.get("user-agent")
    anonymous = Actor(user_id=None, context="login", ip_address=ip, user_agent=user_agent)
    async with open_transaction(request.app.state.database, anonymous) as conn:
        result = await service.login(
            conn, body.email, body.password, ip=ip, user_agent=user_agent, lifetime=session_lifetime(settings)
        )
        if result.ok:
            assert result.user_id is not None and result.session_id is not None
            me = Me(**await service.profile(conn, result.user_id), session_id=result.session_id)
    # Committed: failures count even though this request answers with an error.
    if result.retry_after is not None:
        raise TooManyRequests(
            "too many failed logins; try again later", headers={"Retry-After": str(result.retry_after)}
        )
    if not result.ok:
        raise Unauthorized("wrong e-mail or password")
    assert result.token is not None and result.expires_at is not None and result.session_id is not None
    csrf = csrf_token(result.token)
    _set_cookies(response, settings, result.token, csrf)
    return LoginResponse(
        token=result.token, csrf_token=csrf, session_id=result.session_id, expires_at=result.expires_at, user=me
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="End the current session")
async def logout(conn: Transaction, user: Annotated[CurrentUser, Depends(current_user)], response: Response) -> None:
    await service.revoke_session(conn, user.session_id)
    response.delete_cookie(COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


@router.get("/me", response_model=Me, summary="The signed-in user")
async def me(conn: Transaction, user: Annotated[CurrentUser, Depends(current_user)]) -> Me:
    return Me(**await service.profile(conn, user.id), session_id=user.session_id)


@router.get("/sessions", response_model=list[SessionInfo], summary="My live sessions, newest first")
async def sessions(conn: Transaction, user: Annotated[CurrentUser, Depends(current_user)]) -> list[SessionInfo]:
    return [
        SessionInfo(
            **{**row, "ip_address": str(row["ip_address"]) if row["ip_address"] else None},
            current=row["id"] == user.session_id,
        )
        for row in await service.live_sessions(conn)
    ]


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke one of my sessions")
async def revoke_session(session_id: UUID, conn: Transaction) -> None:
    if not await service.revoke_session(conn, session_id):
        raise NotFound("no live session of yours has this id")


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change my password (ends my other sessions; throttled after wrong current passwords)",
)
async def change_password(
    body: PasswordChange, request: Request, conn: Transaction, user: Annotated[CurrentUser, Depends(current_user)]
) -> None:
    # The check commits on its own, before the answer: wrong guesses count even though this
    # request then fails.
    async with open_transaction(request.app.state.database, user_actor(request, user)) as checking:
        check = await service.check_current_password(checking, user.id, user.email, body.current_password)
    if check.retry_after is not None:
        raise TooManyRequests(
            "too many wrong current passwords; try again later", headers={"Retry-After": str(check.retry_after)}
        )
    if not check.ok:
        raise Forbidden("the current password is wrong")
    new_hash = await service.hash_new_password(
        body.new_password,
        field="new_password",
        current=body.current_password,
        personal=(user.email, user.first_name, user.last_name),
    )
    await service.change_password(conn, user.id, new_hash)
