"""Gatekeeper mode: ``GET /v1/shape`` answered by a real Electric service (``ELECTRIC_URL``).

Turns signs the user in as usual and decides the shape itself: the table, the columns the
role may read, and a row filter that restates what RLS lets the user read as a plain where
clause Electric can evaluate (Electric cannot run the policies' subqueries, so lists such as
"the properties I manage" are read as the user now and written into the filter). The
client's own ``where`` is validated as in local mode and ANDed after it, never instead of
it; a subset snapshot's clauses are validated the same way and passed on rewritten. Only
Electric's protocol parameters are passed on from the client; the response is streamed back
as Electric sent it.
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

from turns.access.actions import SEES_EVERY_ROW, is_vendor
from turns.access.identity import CurrentUser
from turns.access.roles import ADMINS, APPROVERS, MANAGERS
from turns.auth.transaction import open_transaction
from turns.db import tables
from turns.db.context import Actor
from turns.sync.params import parse
from turns.sync.protocol import dumps
from turns.sync.shapes import BIDS, HIDDEN_FROM_VENDORS, READ_AS_THEIR_TURN, READ_AS_THEIR_TURN_BY_ITS_VENDOR
from turns.sync.subsets import PREFIX, Subset, parse_subset

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
NO_ROWS = '"id" IS NULL'  # a filter no row meets (the key is never null), in Electric's subset
_BIND = re.compile(r":([ws]\d+)")  # the binds of turns.sync.where (shape: w1 ..., subset: s1 ...)


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
    if table in BIDS:
        return await _bid_scope(conn, table, user, where)
    if table in ("turn_stages", "utility_providers") or role in SEES_EVERY_ROW:
        return None
    if table == "users":
        return where.equals("id", value=user.id) if is_vendor(role) else None
    if table == "vendors":
        if not is_vendor(role):
            return None
        return where.equals("id", value=user.vendor_id) if user.vendor_id else NO_ROWS
    if table == "properties" and role in MANAGERS:
        return where.equals("property_manager_id", "sr_property_manager_id", value=user.id)
    if table == "properties" and is_vendor(role):
        return where.any_of("id", await _ids(conn, select(func.app_vendor_property_ids())))
    if table == "turns" and role in MANAGERS:
        return where.any_of("property_id", await _ids(conn, select(func.app_managed_property_ids())))
    if table == "turns" and is_vendor(role):
        return where.equals("vendor_id", "flooring_vendor_id", value=user.vendor_id) if user.vendor_id else NO_ROWS
    if table in HIDDEN_FROM_VENDORS and is_vendor(role):
        return NO_ROWS
    if table in READ_AS_THEIR_TURN and (role in MANAGERS or is_vendor(role)):
        return where.any_of("turn_id", await _ids(conn, select(tables.turns.c.id)))
    if table in READ_AS_THEIR_TURN_BY_ITS_VENDOR and role in MANAGERS:
        return where.any_of("turn_id", await _ids(conn, select(tables.turns.c.id)))
    if table in READ_AS_THEIR_TURN_BY_ITS_VENDOR and is_vendor(role) and user.vendor_id:
        # Its company's lines and visits, of the turns assigned to it (migrations 0018, 0022).
        mine = where.equals("vendor_id", value=user.vendor_id)
        return f"({mine}) AND ({where.any_of('turn_id', await _ids(conn, select(tables.turns.c.id)))})"
    return NO_ROWS  # USER, and any role the policies do not name


async def _bid_scope(conn: AsyncConnection, table: str, user: CurrentUser, where: Filter) -> str | None:
    """Bids (migration 0021): admins and approvers read all, a manager those of their turns, a vendor
    user its company's bids and prices and the requests (and their lines) it is invited to."""
    if user.role in ADMINS | APPROVERS:
        return None
    if user.role in MANAGERS:
        return where.any_of("turn_id", await _ids(conn, select(tables.turns.c.id)))
    if not is_vendor(user.role) or not user.vendor_id:
        return NO_ROWS
    if table in ("bids", "bid_prices"):
        return where.equals("vendor_id", value=user.vendor_id)
    invited = await _ids(conn, select(tables.bid_requests.c.id))
    return where.any_of("id" if table == "bid_requests" else "request_id", invited)


def _rebound(sql: str | None, values: Iterable[tuple[str, str]], where: Filter) -> str | None:
    """A validated clause with its values bound as ``where``'s next ``$n``."""
    if sql is None:
        return None
    named = dict(values)
    return _BIND.sub(lambda m: where.bind(named[m.group(1)]), sql)


def _subset_params(subset: Subset) -> list[tuple[str, str]]:
    """A validated subset as Electric's ``subset__*`` parameters (its ``$n`` are its own)."""
    values = Filter()
    where = _rebound(subset.where_sql, subset.where_values, values)
    found = [] if where is None else [(PREFIX + "where", where)]
    if values.values:
        found.append((PREFIX + "params", dumps({str(n): v for n, v in enumerate(values.values, start=1)})))
    if subset.order_by_sql is not None:
        found.append((PREFIX + "order_by", subset.order_by_sql))
    if subset.limit is not None:
        found.append((PREFIX + "limit", str(subset.limit)))
    if subset.offset:
        found.append((PREFIX + "offset", str(subset.offset)))
    return found


async def upstream_params(
    request: Request, user: CurrentUser, subset: dict[str, Any] | None = None
) -> tuple[tuple[str, str], ...]:
    """The query Electric receives: Turns' shape definition, the checked subset if one is asked
    for, then the client's protocol parameters."""
    definition = parse(request.query_params, user).definition
    chosen = None if subset is None else parse_subset(subset, definition)
    where = Filter()
    actor = Actor(user_id=user.id, context="sync", session_id=user.session_id)
    async with open_transaction(request.app.state.database, actor) as conn:
        row_scope = await scope(conn, definition.table, user, where)
    clauses = [c for c in (row_scope, _rebound(definition.where_sql, definition.where_values, where)) if c is not None]
    query = [("table", definition.table), ("columns", ",".join(definition.columns))]
    if clauses:
        query.append(("where", " AND ".join(f"({c})" for c in clauses)))
        query.extend((f"params[{n}]", value) for n, value in enumerate(where.values, start=1))
    secret = request.app.state.settings.electric_secret
    if secret:
        query.append(("secret", secret))
    if chosen is not None:
        query.extend(_subset_params(chosen))  # never the client's own subset__* parameters
    query.extend((k, v) for k, v in request.query_params.multi_items() if k in PROTOCOL_PARAMS)
    return tuple(query)


async def forward(request: Request, user: CurrentUser, subset: dict[str, Any] | None = None) -> Response:
    """Electric's answer to the user's shape request (or subset), streamed back (503 when Electric
    is unreachable)."""
    query = await upstream_params(request, user, subset)
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
