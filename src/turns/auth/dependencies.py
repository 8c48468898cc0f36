"""Who is calling: the session behind a bearer token or the session cookie.

Cookie-authenticated requests that change something must also carry the session's CSRF
token (the ``turns_csrf`` cookie's value in the ``X-CSRF-Token`` header), which only that
session's token yields (:func:`turns.auth.tokens.csrf_token`). The session cookie is only
accepted from the site's own pages: a browser request another site started
(``Sec-Fetch-Site: cross-site`` or ``same-site``) is refused even for a GET, since some GETs
write (an export's audit row). Bearer-token clients are not exposed to CSRF and need neither.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.identity import CurrentUser
from turns.auth.tokens import COOKIE, CSRF_HEADER, csrf_token, token_hash
from turns.config import Settings
from turns.db.context import Actor, context_calls
from turns.db.engines import Database
from turns.kit.errors import Forbidden, Unauthorized
from turns.kit.flight import Statement, opening

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OTHER_SITES = frozenset({"cross-site", "same-site"})
"""``Sec-Fetch-Site`` values of requests that pages of another origin's site started."""
bearer_scheme = HTTPBearer(auto_error=False, description="A session token from POST /api/v1/auth/login")

_COLUMNS = "session_id, user_id, email, role::text AS role, vendor_id, first_name, last_name, expires_at"
_RESOLVE = text(f"SELECT {_COLUMNS} FROM auth_resolve_session(:token_hash, make_interval(mins => :idle))")
RESOLVE_ACTING_SQL = (
    f"SELECT {context_calls(user_id='user_id::text', session_id='session_id::text')}, {_COLUMNS}, touch_due"
    " FROM auth_session_of(%(token_hash)s, make_interval(mins => %(idle)s))"
)
"""The session behind a token, made the acting user of the transaction in the same statement
(:mod:`turns.db.context`'s settings, the session's user and id in place of parameters). It only
reads: ``touch_due`` says whether :func:`resolve_token` should touch the session, apart."""


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


Resolver = Callable[[Database, Settings, str], Awaitable[CurrentUser | None]]
"""How a token becomes its session's user: :func:`resolve_token`, or a cache in front of it."""


async def resolve_token(database: Database, settings: Settings, token: str) -> CurrentUser | None:
    """The session behind ``token``, resolved on a connection of its own: one statement, its own
    transaction (autocommit), so one round trip."""
    async with database.primary.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        params = {"token_hash": token_hash(token), "idle": settings.session_idle_minutes}
        row = (await conn.execute(_RESOLVE, params)).mappings().first()
    return None if row is None else _user_of(row)


class SessionInTransaction:
    """Resolves a request's session inside its transaction, as the transaction's first statement,
    and makes it the transaction's acting user at once: ``actor`` gives the request's context,
    IP and user agent; the session gives the user and the session id.

    That statement only reads the session. A session due a touch (its last use over a minute
    ago) is touched by :meth:`touch`, called once the transaction is over: a touch inside it
    would hold the session's row lock, and block the same session's other requests, until the
    request ends, and be undone if it fails."""

    def __init__(self, actor: Actor, *before: Statement) -> None:
        self.actor = actor
        self.before = before
        """Statements the transaction begins with, before the session's (``SET TRANSACTION READ ONLY``)."""
        self.due: str | None = None

    def resolver(self, conn: AsyncConnection) -> Resolver:
        """The :data:`Resolver` that resolves the session in ``conn``'s (unbegun) transaction."""

        async def resolve(database: Database, settings: Settings, token: str) -> CurrentUser | None:
            params = self.actor.params() | {"token_hash": token_hash(token), "idle": settings.session_idle_minutes}
            row = await opening(conn, *self.before, (RESOLVE_ACTING_SQL, params))
            if row is None:
                return None
            self.due = token if row["touch_due"] else None
            return _user_of(row)

        return resolve

    async def touch(self, database: Database, settings: Settings) -> None:
        """Note the session's use, when it was due, in a transaction of its own."""
        if self.due is not None:
            await resolve_token(database, settings, self.due)


def _user_of(row: Mapping[Any, Any]) -> CurrentUser:
    return CurrentUser(
        id=row["user_id"],
        email=row["email"],
        role=row["role"],
        vendor_id=row["vendor_id"],
        session_id=row["session_id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
    )


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
    if via_cookie:
        _check_cookie_request(request, token)
    if user.via_cookie != via_cookie:
        user = replace(user, via_cookie=via_cookie)
    request.state.user = user
    return user


def _check_cookie_request(request: Request, token: str) -> None:
    if request.headers.get("sec-fetch-site") in OTHER_SITES:
        raise Forbidden(
            "the session cookie is accepted only from this site's own pages; other clients send a bearer token"
        )
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        # Compared as bytes: a header may hold any Latin-1 character, compare_digest takes ASCII text only.
        if not sent or not hmac.compare_digest(sent.encode(), csrf_token(token).encode()):
            raise Forbidden(
                "a cookie-authenticated write needs the X-CSRF-Token header with this session's token"
                " (the turns_csrf cookie)"
            )


def session_lifetime(settings: Settings) -> timedelta:
    return timedelta(hours=settings.session_absolute_hours)
