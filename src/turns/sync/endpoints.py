"""``GET /v1/shape``: Electric's HTTP Shape API, authorised per user.

A request names a table, optionally a ``where`` with ``params`` and ``columns``; the
signed-in user's access is added by reading the shape as that user (see
:mod:`turns.sync.engine`). Responses follow Electric 1.x: a JSON array of messages, the
``electric-*`` headers, long-polling with ``live=true`` (or Server-Sent Events with
``live_sse=true``), and 409 ``must-refetch`` when a handle is gone.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from turns.auth.dependencies import CurrentUser, current_user
from turns.kit.errors import NotFound
from turns.roles import ADMINS
from turns.sync import gatekeeper
from turns.sync.engine import ShapeQueryError, SyncEngine
from turns.sync.offsets import Offset
from turns.sync.params import InvalidRequest, RefusedRequest, ShapeRequest, parse
from turns.sync.store import Entry, StoredShape

router = APIRouter(tags=["sync"])
User = Annotated[CurrentUser, Depends(current_user)]

LONG_POLL_SECONDS = 20.0
SSE_SECONDS = 60.0
SSE_KEEPALIVE_SECONDS = 15.0
CURSOR_SECONDS = 20
EXPOSED = (
    "electric-handle, electric-offset, electric-schema, electric-cursor, electric-up-to-date, "
    "electric-has-data, electric-snapshot, retry-after"
)
MUST_REFETCH = [{"headers": {"control": "must-refetch"}}]


def _parameter(name: str, description: str, *, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": {"type": "string"}}


# Documented here, parsed by turns.sync.params (Electric's own 400s, and ``params[n]`` keys).
SHAPE_PARAMETERS = [
    _parameter("table", "A synced table, e.g. turns", required=True),
    _parameter("offset", "-1 (start), now, or the electric-offset of the last response", required=True),
    _parameter("handle", "The electric-handle of the last response (unless offset is -1 or now)"),
    _parameter("live", "true: wait for changes (long-poll, about 20 s)"),
    _parameter("live_sse", "true with live=true: Server-Sent Events"),
    _parameter("cursor", "The electric-cursor of the last live response"),
    _parameter("where", "A row filter in the documented SQL subset, with $1, $2 ... from params[1], params[2] ..."),
    _parameter("columns", 'Quoted, comma-separated column names, including "id"'),
    _parameter("replica", "default (changed columns) or full (whole rows, old values)"),
    _parameter("log", "full or changes_only"),
]


def _engine(request: Request) -> SyncEngine | None:
    engine: SyncEngine | None = getattr(request.app.state, "sync", None)
    return engine


def _invalid(exc: InvalidRequest) -> JSONResponse:
    status = 403 if isinstance(exc, RefusedRequest) else 400
    return JSONResponse(
        {
            "type": "about:blank",
            "title": "Forbidden" if status == 403 else "Invalid request",
            "status": status,
            "detail": f"{exc.param}: {exc}",
            "message": "Invalid request",
            "errors": {exc.param: [str(exc)]},
        },
        status_code=status,
        media_type="application/problem+json",
        headers={"cache-control": "no-store", "access-control-expose-headers": EXPOSED},
    )


def _headers(shape: StoredShape, *, cacheable: str) -> dict[str, str]:
    return {
        "electric-handle": shape.handle,
        "cache-control": cacheable,
        "vary": "Authorization, Cookie",
        "access-control-expose-headers": EXPOSED,
    }


def _cursor(sent: str | None) -> str:
    bucket = int(time.time()) // CURSOR_SECONDS
    if sent is not None and sent == str(bucket):
        bucket += 1
    return str(bucket)


def _up_to_date(engine: SyncEngine, before: int, entries: list[Entry]) -> str:
    seen = max(before, (entries[-1].offset.tx + 1) if entries and entries[-1].offset.tx else 0)
    return json.dumps({"headers": {"control": "up-to-date", "global_last_seen_lsn": str(seen)}})


def _body(bodies: list[str]) -> str:
    return "[" + ",".join(bodies) + "]"


@router.get(
    "/v1/shape",
    summary="Sync a shape (Electric's HTTP Shape API)",
    description=(
        "Initial snapshot from `offset=-1` in chunks, then changes from an offset; `live=true` long-polls, "
        "`live_sse=true` streams Server-Sent Events. Rows and columns are those the signed-in user may read. "
        "See docs/sync.md."
    ),
    responses={
        200: {"description": "A JSON array of messages", "content": {"application/json": {}}},
        400: {"description": "Invalid request", "content": {"application/problem+json": {}}},
        401: {"description": "Not signed in", "content": {"application/problem+json": {}}},
        403: {"description": "A column the user's role may not read", "content": {"application/problem+json": {}}},
        409: {
            "description": "The handle is gone: refetch from offset -1 with the handle in electric-handle",
            "content": {"application/json": {}},
        },
        503: {"description": "Sync is not running or not ready", "content": {"application/json": {}}},
    },
    openapi_extra={"parameters": SHAPE_PARAMETERS},
)
async def get_shape(request: Request, user: User) -> Response:
    if request.app.state.settings.electric_url:
        try:
            return await gatekeeper.forward(request, user)
        except InvalidRequest as exc:
            return _invalid(exc)
    engine = _engine(request)
    if engine is None or not engine.ready.is_set():
        return JSONResponse(
            {"message": "sync is not ready"},
            status_code=503,
            headers={"retry-after": "5", "cache-control": "no-store"},
        )
    try:
        shape_request = parse(request.query_params, user)
        shape = await _resolve(engine, shape_request)
    except InvalidRequest as exc:
        return _invalid(exc)
    except ShapeQueryError as exc:
        return _invalid(InvalidRequest("where", str(exc)))
    if isinstance(shape, Response):
        return shape
    engine.used[shape.id] = time.time()
    schema = await _schema(engine, shape_request)
    if shape_request.offset is None:  # offset=now
        return _response(shape, [_up_to_date(engine, engine.last_lsn, [])], shape.head, schema, shape_request, True)
    if shape_request.offset.tx < 0:
        return _first_chunk(request, engine, shape, schema, shape_request)
    if shape_request.sse:
        return _sse(request, engine, shape, schema, shape_request)
    return await _chunk(request, engine, shape, schema, shape_request)


async def _resolve(engine: SyncEngine, shape_request: ShapeRequest) -> StoredShape | Response:
    definition = shape_request.definition
    key = definition.key()
    if shape_request.handle is not None:
        named = engine.reads.by_handle(shape_request.handle)
        if named is not None and named.key == key:
            return named
        current = await engine.shape_for(definition)
        if current.handle != shape_request.handle:
            return await _must_refetch(engine, shape_request)
        return current
    return await engine.shape_for(definition)


async def _must_refetch(engine: SyncEngine, shape_request: ShapeRequest) -> Response:
    """409: the client's handle is gone; ``electric-handle`` names the shape to start again from."""
    current = await engine.shape_for(shape_request.definition)
    return JSONResponse(MUST_REFETCH, status_code=409, headers=_headers(current, cacheable="no-store"))


async def _schema(engine: SyncEngine, shape_request: ShapeRequest) -> str:
    return json.dumps(await engine.schema(shape_request.definition), separators=(",", ":"))


def _response(
    shape: StoredShape,
    bodies: list[str],
    offset: Offset,
    schema: str,
    shape_request: ShapeRequest,
    up_to_date: bool,
    *,
    cacheable: str = "private, max-age=60, stale-while-revalidate=300",
) -> Response:
    headers = _headers(shape, cacheable=cacheable)
    headers["electric-offset"] = str(offset)
    headers["electric-schema"] = schema
    if shape_request.live:
        headers["electric-cursor"] = _cursor(shape_request.cursor)
    if up_to_date:
        headers["electric-up-to-date"] = ""
    return Response(_body(bodies), media_type="application/json", headers=headers)


def _first_chunk(
    request: Request, engine: SyncEngine, shape: StoredShape, schema: str, shape_request: ShapeRequest
) -> Response:
    max_bytes = request.app.state.settings.sync_chunk_bytes
    if shape_request.definition.log == "changes_only":
        return _response(shape, [], shape.head, schema, shape_request, False)
    entries, _ = engine.reads.read(shape.id, Offset(0, 0), max_bytes)
    offset = entries[-1].offset if entries else Offset(0, 0)
    return _response(
        shape,
        [e.body for e in entries],
        offset,
        schema,
        shape_request,
        False,
        cacheable="private, max-age=604800, stale-while-revalidate=2629746",
    )


async def _chunk(
    request: Request, engine: SyncEngine, shape: StoredShape, schema: str, shape_request: ShapeRequest
) -> Response:
    assert shape_request.offset is not None
    max_bytes = request.app.state.settings.sync_chunk_bytes
    event = engine.watch(shape.id)
    try:
        seen = engine.last_lsn
        entries, ended = engine.reads.read(shape.id, shape_request.offset, max_bytes)
        if shape_request.live and not entries:
            await _wait(request, event, LONG_POLL_SECONDS)
            if engine.reads.by_id(shape.id) is None:
                return await _must_refetch(engine, shape_request)
            seen = engine.last_lsn
            entries, ended = engine.reads.read(shape.id, shape_request.offset, max_bytes)
    finally:
        engine.unwatch(shape.id, event)
    bodies = [e.body for e in entries]
    if ended:
        bodies.append(_up_to_date(engine, seen, entries))
    offset = entries[-1].offset if entries else shape_request.offset
    cacheable = "private, max-age=5, stale-while-revalidate=5" if shape_request.live else "private, max-age=60"
    return _response(shape, bodies, offset, schema, shape_request, ended, cacheable=cacheable)


def _sse(
    request: Request, engine: SyncEngine, shape: StoredShape, schema: str, shape_request: ShapeRequest
) -> Response:
    assert shape_request.offset is not None
    start = shape_request.offset

    async def events() -> AsyncIterator[str]:
        offset = start
        deadline = time.monotonic() + SSE_SECONDS
        event = engine.watch(shape.id)
        try:
            while time.monotonic() < deadline and not await request.is_disconnected():
                event.clear()
                seen = engine.last_lsn
                entries, _ = engine.reads.read(shape.id, offset, 1 << 62)
                if engine.reads.by_id(shape.id) is None:
                    yield _sse_data(json.dumps(MUST_REFETCH[0]))
                    return
                for entry in entries:
                    yield _sse_data(entry.body)
                if entries:
                    offset = entries[-1].offset
                    yield _sse_data(_up_to_date(engine, seen, entries))
                if not await _wait(request, event, SSE_KEEPALIVE_SECONDS):
                    yield ": keep-alive\n\n"
        finally:
            engine.unwatch(shape.id, event)

    headers = _headers(shape, cacheable="no-store")
    headers["electric-offset"] = str(start)
    headers["electric-schema"] = schema
    headers["electric-cursor"] = _cursor(shape_request.cursor)
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


async def _wait(request: Request, event: asyncio.Event, seconds: float) -> bool:
    """Wait for ``event`` up to ``seconds``, giving up early when the client has gone."""
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            await asyncio.wait_for(event.wait(), timeout=min(remaining, 1.0))
            return True
        except TimeoutError:
            if await request.is_disconnected():
                return False
    return False


def _sse_data(body: str) -> str:
    return f"data: {body}\n\n"


@router.get(
    "/v1/health",
    summary="Whether sync is ready (Electric's health check)",
    responses={202: {"description": "Starting", "content": {"application/json": {}}}},
)
async def sync_health(request: Request) -> Any:
    engine = _engine(request)
    if request.app.state.settings.electric_url or (engine is not None and engine.ready.is_set()):
        return {"status": "active"}
    return JSONResponse({"status": "starting"}, status_code=202)


@router.delete(
    "/v1/shape",
    status_code=202,
    summary="Remove a shape (its user or an admin); its clients refetch",
    responses={404: {"description": "No such shape of yours", "content": {"application/problem+json": {}}}},
)
async def delete_shape(request: Request, user: User, handle: str) -> Response:
    engine = _engine(request)
    shape = engine.reads.by_handle(handle) if engine is not None else None
    if engine is None or shape is None or (shape.user_id != str(user.id) and user.role not in ADMINS):
        raise NotFound("no such shape")
    await engine.drop(shape.id)
    return Response(status_code=202, headers={"cache-control": "no-store"})
