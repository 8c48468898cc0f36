"""One transaction per request, opened before the endpoint and committed at the edge.

The acting user, IP, user agent and session are set first (transaction-local), so
every statement of the request is filtered by RLS and audited as that user. Services
never commit; the dependency commits when the endpoint returns and rolls back when
it raises, before the response is sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.auth.dependencies import CurrentUser, current_user
from turns.db.context import SET_CONTEXT_SQL, Actor
from turns.kit.database import Database

_SET_CONTEXT = text(SET_CONTEXT_SQL.replace("%(", ":").replace(")s", ""))
_READ_ONLY = text("SET TRANSACTION READ ONLY")


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


@asynccontextmanager
async def open_transaction(
    database: Database, actor: Actor, *, read_only: bool = False
) -> AsyncIterator[AsyncConnection]:
    """A connection in a transaction acting as ``actor``: committed on exit, rolled back on error.

    ``read_only`` transactions go to the read path (the replica when one is configured)."""
    engine = database.reader if read_only else database.primary
    async with engine.connect() as conn, conn.begin():
        if read_only:
            await conn.execute(_READ_ONLY)
        await conn.execute(_SET_CONTEXT, actor.params())
        yield conn


def _actor(request: Request, user: CurrentUser) -> Actor:
    return Actor(
        user_id=user.id,
        context="api",
        ip_address=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        session_id=user.session_id,
    )


async def _user_transaction(
    request: Request, user: Annotated[CurrentUser, Depends(current_user)]
) -> AsyncIterator[AsyncConnection]:
    async with open_transaction(request.app.state.database, _actor(request, user)) as conn:
        yield conn


async def _read_transaction(
    request: Request, user: Annotated[CurrentUser, Depends(current_user)]
) -> AsyncIterator[AsyncConnection]:
    async with open_transaction(request.app.state.database, _actor(request, user), read_only=True) as conn:
        yield conn


Transaction = Annotated[AsyncConnection, Depends(_user_transaction, scope="function")]
"""The request's connection, inside its transaction, acting as the signed-in user."""

ReadTransaction = Annotated[AsyncConnection, Depends(_read_transaction, scope="function")]
"""A read-only transaction on the read path (reports, exports, search, the audit viewer),
acting as the signed-in user. Nothing written here is kept."""
