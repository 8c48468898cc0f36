"""Who is calling: the session behind a bearer token or the session cookie.

Cookie-authenticated requests that change something must also carry the CSRF token
(double submit: the ``turns_csrf`` cookie's value in the ``X-CSRF-Token`` header);
bearer-token clients are not exposed to CSRF and need none.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import text

from turns.access.identity import CurrentUser
from turns.auth.tokens import COOKIE, CSRF_COOKIE, CSRF_HEADER, token_hash
from turns.config import Settings
from turns.db.engines import Database
from turns.kit.errors import Forbidden, Unauthorized

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
bearer_scheme = HTTPBearer(auto_error=False, description="A session token from POST /api/v1/auth/login")

_RESOLVE = text(
    "SELECT session_id, user_id, email, role::text AS role, vendor_id, first_name, last_name, expires_at"
    " FROM auth_resolve_session(:token_hash, make_interval(mins => :idle))"
)


def request_token(request: Request) -> tuple[str, bool] | None:
    """The session token of a request and whether it came from the cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    cookie = request.cookies.get(COOKIE)
    if cookie:
        return cookie, True
    return None


async def resolve_token(database: Database, settings: Settings, token: str) -> CurrentUser | None:
    async with database.primary.connect() as conn, conn.begin():
        row = (
            (await conn.execute(_RESOLVE, {"token_hash": token_hash(token), "idle": settings.session_idle_minutes}))
            .mappings()
            .first()
        )
    if row is None:
        return None
    return CurrentUser(
        id=row["user_id"],
        email=row["email"],
        role=row["role"],
        vendor_id=row["vendor_id"],
        session_id=row["session_id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
    )


Resolver = Callable[[Database, Settings, str], Awaitable[CurrentUser | None]]
"""How a token becomes its session's user: :func:`resolve_token`, or a cache in front of it."""


async def current_user(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)] = None,
) -> CurrentUser:
    """The signed-in user (401 problem when there is none; 403 on a cookie write without CSRF token)."""
    return await signed_in(request, resolve_token)


async def signed_in(request: Request, resolve: Resolver) -> CurrentUser:
    """:func:`current_user` with the session resolved by ``resolve``."""
    cached: CurrentUser | None = getattr(request.state, "user", None)
    if cached is not None:
        return cached
    found = request_token(request)
    if found is None:
        raise Unauthorized("sign in: send a bearer token or the session cookie", headers={"WWW-Authenticate": "Bearer"})
    token, via_cookie = found
    user = await resolve(request.app.state.database, request.app.state.settings, token)
    if user is None:
        raise Unauthorized("the session is expired, revoked or unknown", headers={"WWW-Authenticate": "Bearer"})
    if via_cookie and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        expected = request.cookies.get(CSRF_COOKIE, "")
        if not sent or not expected or not hmac.compare_digest(sent, expected):
            raise Forbidden("a cookie-authenticated write needs the X-CSRF-Token header (the turns_csrf cookie)")
    user = CurrentUser(**{**user.__dict__, "via_cookie": via_cookie})
    request.state.user = user
    return user


def session_lifetime(settings: Settings) -> timedelta:
    return timedelta(hours=settings.session_absolute_hours)
