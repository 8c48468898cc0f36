"""One transaction per request, opened before the endpoint and committed at the edge.

The acting user, IP, user agent and session are set first (transaction-local), so
every statement of the request is filtered by RLS and audited as that user. Services
never commit; the dependency commits when the endpoint returns and rolls back when
it raises, before the response is sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.identity import CurrentUser
from turns.auth.dependencies import SessionInTransaction, bearer_scheme, current_user, signed_in
from turns.db.context import SET_CONTEXT_SQL, Actor
from turns.db.engines import Database
from turns.kit.flight import READ_ONLY, Statement, connected, opening
from turns.replicas.router import ReplicaLost

T = TypeVar("T")


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


@asynccontextmanager
async def open_transaction(
    database: Database, actor: Actor, *, read_only: bool = False
) -> AsyncIterator[AsyncConnection]:
    """A connection in a transaction acting as ``actor``: committed on exit, rolled back on error.

    ``read_only`` transactions go to the read path: the replica when one is configured and
    has replayed this actor's last write (see :mod:`turns.replicas.router`)."""
    if read_only:
        async with database.read(actor_key(actor), (SET_CONTEXT_SQL, actor.params())) as conn:
            yield conn
        return
    async with _on_primary(database, partial(_act_as, actor)) as (conn, _):
        yield conn


async def _act_as(actor: Actor, conn: AsyncConnection, *before: Statement) -> Actor:
    await opening(conn, *before, (SET_CONTEXT_SQL, actor.params()))
    return actor


@asynccontextmanager
async def _on_primary(
    database: Database, start: Callable[[AsyncConnection], Awaitable[Actor]]
) -> AsyncIterator[tuple[AsyncConnection, Actor]]:
    """A transaction on the primary whose first statements, ``start``, name its acting user."""
    async with connected(database.primary) as conn:
        async with conn.begin():
            actor = await start(conn)
            yield conn, actor
            wrote = await database.wrote(conn)
        if wrote:
            await database.committed(conn, actor_key(actor))


async def run_read(database: Database, actor: Actor, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """``work`` in a read-only transaction; run again (on the primary) if the replica is lost midway.

    ``work`` must only read: it may run twice."""
    try:
        async with open_transaction(database, actor, read_only=True) as conn:
            return await work(conn)
    except ReplicaLost:
        # The router has marked the replica unhealthy: this attempt goes to the primary.
        async with open_transaction(database, actor, read_only=True) as conn:
            return await work(conn)


def actor_key(actor: Actor) -> str | None:
    """Whose writes a later read must see: the session's, else the user's."""
    if actor.session_id is not None:
        return f"session:{actor.session_id}"
    return f"user:{actor.user_id}" if actor.user_id is not None else None


def user_actor(request: Request, user: CurrentUser) -> Actor:
    """The signed-in user, as the acting user of a transaction of the request."""
    return Actor(
        user_id=user.id,
        context="api",
        ip_address=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        session_id=user.session_id,
    )


async def _user_transaction(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)] = None,
) -> AsyncIterator[AsyncConnection]:
    async with _signed_in_transaction(request) as conn:
        yield conn


@asynccontextmanager
async def _signed_in_transaction(request: Request, *before: Statement) -> AsyncIterator[AsyncConnection]:
    """A transaction on the primary whose first statements are ``before`` and then the session's
    resolution, which makes its user the acting user (:func:`_signed_in_acting`)."""
    database: Database = request.app.state.database
    anonymous = Actor(
        user_id=None, context="api", ip_address=client_ip(request), user_agent=request.headers.get("user-agent")
    )
    session = SessionInTransaction(anonymous, *before)
    try:
        async with _on_primary(database, partial(_signed_in_acting, request, session)) as (conn, actor):
            yield conn
        # Sent back as a response header by the read path's middleware (turns.replicas.middleware).
        request.state.commit_lsn = database.unreplayed_lsn(actor_key(actor))
    finally:
        await session.touch(database, request.app.state.settings)


async def _signed_in_acting(request: Request, session: SessionInTransaction, conn: AsyncConnection) -> Actor:
    """The signed-in user as the acting user of ``conn``'s transaction: the session is resolved
    by the transaction's first statement, which also sets the acting user (one round trip, with
    the ``BEGIN``). When the endpoint asked for the user first (:func:`current_user`, on its own
    connection), the transaction only sets it."""
    known: CurrentUser | None = getattr(request.state, "user", None)
    if known is not None:
        return await _act_as(user_actor(request, known), conn, *session.before)
    return user_actor(request, await signed_in(request, session.resolver(conn)))


async def _read_transaction(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)] = None,
) -> AsyncIterator[AsyncConnection]:
    """Without a replica, a read-only transaction on the primary that resolves the session itself,
    as :func:`_user_transaction` does. With one, the session is resolved on the primary first (the
    replica may not have replayed a sign-in or a sign-out yet), then the transaction goes to the
    read path."""
    database: Database = request.app.state.database
    if database.router is None:
        async with _signed_in_transaction(request, READ_ONLY) as conn:
            yield conn
        return
    user = await current_user(request)
    async with open_transaction(database, user_actor(request, user), read_only=True) as conn:
        yield conn


Transaction = Annotated[AsyncConnection, Depends(_user_transaction, scope="function")]
"""The request's connection, inside its transaction, acting as the signed-in user."""

ReadTransaction = Annotated[AsyncConnection, Depends(_read_transaction, scope="function")]
"""A read-only transaction on the read path (reports, exports, search, the audit viewer),
acting as the signed-in user. Nothing written here is kept."""

StreamingReadTransaction = Annotated[AsyncConnection, Depends(_read_transaction, scope="request")]
"""Like :data:`ReadTransaction`, but held until the response body has been sent: a streamed
export reads through a server-side cursor, which lives in its transaction."""
