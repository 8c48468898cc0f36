"""Who is syncing: sessions resolved once and kept for a few seconds.

Every live request re-issues ``GET /v1/shape``, so hundreds of clients would resolve their
session in the database many times a second. Sync requests resolve it through this cache
instead: by the token, at most once per :data:`SECONDS` (requests for a token arriving
together share one look-up). The price is a bound, not a hole: a session that is signed out,
revoked or expires is seen within :data:`SECONDS` by new requests, and a held long-poll checks
again before it answers. A user whose role, company or active flag changes is forgotten as soon
as the sync engine decodes the change (:meth:`SessionCache.forget_users`).
Shapes are never created for a stale user (the engine compares the user it reads as).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials

from turns.access.identity import CurrentUser
from turns.auth.dependencies import bearer_scheme, request_token, resolve_token, signed_in
from turns.config import Settings
from turns.db.engines import Database

SECONDS = 5.0
MAX_ENTRIES = 50_000


class SessionCache:
    def __init__(self, seconds: float = SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self.entries: dict[str, tuple[float, CurrentUser]] = {}
        self.pending: dict[str, asyncio.Task[CurrentUser | None]] = {}

    async def resolve(self, database: Database, settings: Settings, token: str) -> CurrentUser | None:
        found = self.entries.get(token)
        if found is not None and found[0] > time.monotonic():
            return found[1]
        task = self.pending.get(token)
        if task is None:
            task = self.pending[token] = asyncio.ensure_future(self._load(database, settings, token))
        return await asyncio.shield(task)  # a request that gives up does not cancel the others' look-up

    async def _load(self, database: Database, settings: Settings, token: str) -> CurrentUser | None:
        try:
            user = await resolve_token(database, settings, token)
        finally:
            current = self.pending.get(token) is asyncio.current_task()
            if current:
                del self.pending[token]
        if current:  # not forgotten meanwhile
            self._keep(token, user)
        return user

    def _keep(self, token: str, user: CurrentUser | None) -> None:
        if user is None:
            self.entries.pop(token, None)
            return
        now = time.monotonic()
        if len(self.entries) >= self.max_entries:
            self.entries = {k: v for k, v in self.entries.items() if v[0] > now}
            while len(self.entries) >= self.max_entries:
                del self.entries[next(iter(self.entries))]  # the oldest
        self.entries.pop(token, None)
        self.entries[token] = (now + self.seconds, user)

    def forget_users(self, users: set[str]) -> None:
        """The next requests of ``users`` (ids) read their sessions from the database: their role,
        company or active flag changed."""
        self.entries = {k: v for k, v in self.entries.items() if str(v[1].id) not in users}

    def forget(self, token: str) -> None:
        """The next request with ``token`` reads its session from the database."""
        self.entries.pop(token, None)
        self.pending.pop(token, None)


def cache_of(app: FastAPI) -> SessionCache:
    cache: SessionCache | None = getattr(app.state, "sync_sessions", None)
    if cache is None:
        cache = app.state.sync_sessions = SessionCache()
    return cache


async def sync_user(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)] = None,
) -> CurrentUser:
    """The signed-in user, as :func:`turns.auth.dependencies.current_user` says, through the cache."""
    return await signed_in(request, cache_of(request.app).resolve)


async def still_signed_in(request: Request, *, fresh: bool = False) -> CurrentUser | None:
    """The request's user (as :func:`sync_user` found them) again: from the cache, or from the
    database when ``fresh``; None when the session ended. The request's user becomes this one."""
    user: CurrentUser = request.state.user
    found = request_token(request)
    if found is None:
        return None
    cache = cache_of(request.app)
    if fresh:
        cache.forget(found[0])
    again = await cache.resolve(request.app.state.database, request.app.state.settings, found[0])
    if again is None or again.session_id != user.session_id:
        return None
    if again.via_cookie != user.via_cookie:
        again = replace(again, via_cookie=user.via_cookie)
    request.state.user = again
    return again
