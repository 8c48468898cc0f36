"""Gatekeeper mode: ``GET /v1/shape`` answered by a real Electric service (``ELECTRIC_URL``).

Turns signs the user in as usual and decides the shape itself: the table, the columns the
role may read, and a row filter that restates what RLS lets the user read as a plain where
clause Electric can evaluate (Electric cannot run the policies' subqueries, so lists such as
"the properties I manage" are read as the user now and written into the filter). The
client's own ``where`` is validated as in local mode and ANDed after it, never instead of
it. Only Electric's protocol parameters are passed on from the client; the response is
streamed back as Electric sent it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.auth.dependencies import CurrentUser
from turns.db import tables
from turns.db.context import Actor
from turns.kit.transaction import open_transaction
from turns.roles import ADMINS, APPROVERS, MANAGERS
from turns.sync.params import parse
from turns.sync.shapes import ShapeDefinition

PROTOCOL_PARAMS = frozenset(
    {
        "offset",
        "handle",
        "live",
        "live_sse",
        "experimental_live_sse",
        "cursor",
        "replica",
        "log",
        "expired_handle",
        "cache-buster",
    }
)
RETURNED_HEADERS = frozenset({"cache-control", "etag", "content-type", "retry-after"})
TIMEOUT = httpx.Timeout(10.0, read=90.0)  # long-polls last about 20 s; SSE sends keep-alives
UNFILTERED = ADMINS | APPROVERS | {"INSPECTOR"}
NO_ROWS = '"id" IS NULL'  # a filter no row meets (the key is never null), in Electric's subset
_CLIENT_BIND = re.compile(r":w(\d+)")


@dataclass
class Filter:
    """A where clause for Electric with its values bound as ``$1``, ``$2``, ..."""

    values: list[str] = field(default_factory=list)

    def bind(self, value: object) -> str:
        self.values.append(str(value))
        return f"${len(self.values)}"

    def equals(self, *columns: str, value: object) -> str:
        return " OR ".join(f'"{column}" = {self.bind(value)}' for column in columns)

    def any_of(self, column: str, values: Iterable[object]) -> str:
        bound = [self.bind(v) for v in sorted(str(v) for v in values)]
        return f'"{column}" IN ({", ".join(bound)})' if bound else NO_ROWS


async def _ids(conn: AsyncConnection, query: Select[Any]) -> list[object]:
    return list((await conn.scalars(query)).all())


async def scope(conn: AsyncConnection, table: str, user: CurrentUser, where: Filter) -> str | None:
    """The rows of ``table`` RLS (migration 0002) lets ``user`` read, as a filter; None: all rows.

    ``conn`` acts as the user, so the lists read here are what RLS shows them now."""
    role = user.role
    if table == "notifications":
        return where.equals("user_id", value=user.id)
    if table in ("turn_stages", "utility_providers") or role in UNFILTERED:
        return None
    if table == "users":
        return where.equals("id", value=user.id) if role == "VENDOR" else None
    if table == "vendors":
        if role != "VENDOR":
            return None
        return where.equals("id", value=user.vendor_id) if user.vendor_id else NO_ROWS
    if table == "properties" and role in MANAGERS:
        return where.equals("property_manager_id", "sr_property_manager_id", value=user.id)
    if table == "properties" and role == "VENDOR":
        return where.any_of("id", await _ids(conn, select(func.app_vendor_property_ids())))
    if table == "turns" and role in MANAGERS:
        return where.any_of("property_id", await _ids(conn, select(func.app_managed_property_ids())))
    if table == "turns" and role == "VENDOR":
        return where.equals("vendor_id", "flooring_vendor_id", value=user.vendor_id) if user.vendor_id else NO_ROWS
    if table == "turn_stage_history" and role in MANAGERS | {"VENDOR"}:
        return where.any_of("turn_id", await _ids(conn, select(tables.turns.c.id)))
    return NO_ROWS  # USER, and any role the policies do not name


def _client_where(definition: ShapeDefinition, where: Filter) -> str | None:
    """The client's validated clause, its values bound after the scope's."""
    if definition.where_sql is None:
        return None
    values = dict(definition.where_values)
    return _CLIENT_BIND.sub(lambda m: where.bind(values[f"w{m.group(1)}"]), definition.where_sql)


async def upstream_params(request: Request, user: CurrentUser) -> tuple[tuple[str, str], ...]:
    """The query Electric receives: Turns' shape definition, then the client's protocol parameters."""
    definition = parse(request.query_params, user).definition
    where = Filter()
    actor = Actor(user_id=user.id, context="sync", session_id=user.session_id)
    async with open_transaction(request.app.state.database, actor) as conn:
        row_scope = await scope(conn, definition.table, user, where)
    clauses = [c for c in (row_scope, _client_where(definition, where)) if c is not None]
    query = [("table", definition.table), ("columns", ",".join(definition.columns))]
    if clauses:
        query.append(("where", " AND ".join(f"({c})" for c in clauses)))
        query.extend((f"params[{n}]", value) for n, value in enumerate(where.values, start=1))
    secret = request.app.state.settings.electric_secret
    if secret:
        query.append(("secret", secret))
    # Subset parameters (subset__where ...) are not forwarded: Turns cannot check which columns
    # they name, and a filter on a column the role may not read would reveal it.
    query.extend((k, v) for k, v in request.query_params.multi_items() if k in PROTOCOL_PARAMS)
    return tuple(query)


async def forward(request: Request, user: CurrentUser) -> Response:
    """Electric's answer to the user's shape request, streamed back (503 when Electric is unreachable)."""
    query = await upstream_params(request, user)
    url = request.app.state.settings.electric_url.rstrip("/") + "/v1/shape"
    headers: dict[str, str] = {}
    if "if-none-match" in request.headers:
        headers["if-none-match"] = request.headers["if-none-match"]
    http = httpx.AsyncClient(timeout=TIMEOUT)
    try:
        upstream = await http.send(http.build_request("GET", url, params=query, headers=headers), stream=True)
    except httpx.TransportError:
        await http.aclose()
        return JSONResponse(
            {"message": "the sync service is unreachable"},
            status_code=503,
            headers={"retry-after": "5", "cache-control": "no-store"},
        )

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in upstream.aiter_bytes():
                yield chunk
        finally:
            await upstream.aclose()
            await http.aclose()

    returned = {k: v for k, v in upstream.headers.items() if k.startswith("electric-") or k in RETURNED_HEADERS}
    exposed = sorted(k for k in returned if k.startswith("electric-") or k == "retry-after")
    returned |= {"vary": "Authorization, Cookie", "access-control-expose-headers": ", ".join(exposed)}
    return StreamingResponse(body(), status_code=upstream.status_code, headers=returned)
