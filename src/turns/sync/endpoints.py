"""``GET /v1/shape``: Electric's HTTP Shape API, authorised per user.

A request names a table, optionally a ``where`` with ``params`` and ``columns``; the
signed-in user's access is added by reading the shape as that user (see
:mod:`turns.sync.engine`). Responses follow Electric 1.x: a JSON array of messages, the
``electric-*`` headers, long-polling with ``live=true`` (or Server-Sent Events with
``live_sse=true``), and 409 ``must-refetch`` when a handle is gone.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.datastructures import QueryParams

from turns.access.identity import CurrentUser
from turns.access.roles import ADMINS
from turns.kit.errors import PROBLEM_RESPONSES, NotFound, Unauthorized
from turns.sync import catalog, gatekeeper, logfile, protocol
from turns.sync.answers import INLINE_BYTES
from turns.sync.channel import Engine
from turns.sync.engine import NotReady, ShapeQueryError, StaleUser
from turns.sync.offsets import Offset
from turns.sync.params import (
    InvalidRequest,
    RefusedRequest,
    ShapeRequest,
    generic_table,
    parse,
    parse_query,
    query_params,
)
from turns.sync.reach import shape_key, shape_reach, shared
from turns.sync.sessions import still_signed_in, sync_user
from turns.sync.shapes import NO_USER
from turns.sync.store import Span, StoredShape
from turns.sync.subsets import (
    MAX_ROWS,
    PREFIX,
    Subset,
    body_fields,
    parse_subset,
    query_fields,
    read_body,
)
from turns.sync.waiters import Waiters

router = APIRouter(tags=["sync"])
_SIGN_IN = {"WWW-Authenticate": "Bearer"}
_BEARER: list[dict[str, list[str]]] = [{"HTTPBearer": []}]
"""The shape requests resolve their user themselves (:func:`sync_user`, without FastAPI's dependency
solving, a tenth of a long-poll's time with a thousand clients): their security is written here."""

LONG_POLL_SECONDS = 20.0
SSE_SECONDS = 60.0
SSE_KEEPALIVE_SECONDS = 15.0


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
SUBSET_PARAMETERS = [
    _parameter(PREFIX + "where", "A subset snapshot: its rows, in the where subset, with $1 ... from subset__params"),
    _parameter(PREFIX + "params", 'The subset\'s $n values as a JSON object, e.g. {"1": "ACTIVE"}'),
    _parameter(PREFIX + "order_by", 'Column [ASC|DESC] [NULLS FIRST|LAST], ..., e.g. "created_at" DESC'),
    _parameter(PREFIX + "limit", f"At most this many rows (up to {MAX_ROWS})"),
    _parameter(PREFIX + "offset", "Skip this many rows first"),
]


def _engine(request: Request) -> Engine | None:
    engine: Engine | None = getattr(request.app.state, "sync", None)
    return engine


def _cache(request: Request) -> protocol.CachePolicy:
    policy: protocol.CachePolicy = request.app.state.sync_cache
    return policy


def _shared(shape_request: ShapeRequest) -> bool:
    """Whether the shape asked for is shared by everyone of its reach (see :func:`turns.sync.reach.shared`)."""
    return shared(shape_reach(shape_request.definition))


class ShapeHttpRequest(Request):
    """A request of ``/v1/shape`` (:func:`get_shape`, served around the middleware stack), its query
    parameters parsed once per distinct query string (:func:`turns.sync.params.query_params`)."""

    @property
    def query_params(self) -> QueryParams:
        return query_params(self.scope["query_string"])


def _test_schema(request: Request) -> str | None:
    """The generic mode's schema (``TURNS_SYNC_TEST_SCHEMA``), None when the mode is off."""
    schema: str | None = request.app.state.settings.sync_test_schema
    return schema


async def _asker(request: Request, table: str | None) -> CurrentUser | None:
    """The signed-in user; None for a table of the generic mode's schema, which is read without one."""
    if generic_table(table, _test_schema(request)) is not None:
        return None
    return await sync_user(request)


async def _describe(request: Request) -> None:
    """Describe and publish the generic mode's table the request names when a client starts on it
    (``offset=-1``; :mod:`turns.sync.catalog`), or the first time it is asked for: a table may be
    dropped and made again by the suite. One that does not exist is left undescribed (a 400)."""
    named = generic_table(request.query_params.get("table"), _test_schema(request))
    starting = request.query_params.get("offset") == "-1"
    if named is None or (not starting and catalog.known(catalog.relation_name(*named)) is not None):
        return
    urls = request.app.state.database.urls
    found = await catalog.describe(catalog.owner_url(urls), *named)
    if found is not None:
        await catalog.publish(catalog.owner_url(urls), found, urlsplit(urls.app).username or "")


def _invalid(exc: InvalidRequest) -> JSONResponse:
    """400 (403 for a column the role may not read) in Electric's form and type, which is all its
    client reads (docs/sync.md, "Errors")."""
    return JSONResponse(
        protocol.invalid(exc.param, str(exc)),
        status_code=403 if isinstance(exc, RefusedRequest) else 400,
        media_type="application/json",
        headers={"cache-control": protocol.NO_STORE, "access-control-expose-headers": protocol.EXPOSED},
    )


_SHAPE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "A JSON array of messages", "content": {"application/json": {}}},
    400: {"description": "Invalid request (Electric's message and errors)", "content": {"application/json": {}}},
    401: {"description": "Not signed in", "content": {"application/problem+json": {}}},
    403: {"description": "A column the user's role may not read", "content": {"application/json": {}}},
    413: PROBLEM_RESPONSES[413],
    409: {
        "description": "The handle is gone: refetch from offset -1 with the handle in electric-handle",
        "content": {"application/json": {}},
    },
    503: {"description": "Sync is not running or not ready", "content": {"application/json": {}}},
}


@router.get(
    "/v1/shape",
    summary="Sync a shape (Electric's HTTP Shape API)",
    description=(
        "Initial snapshot from `offset=-1` in chunks, then changes from an offset; `live=true` long-polls, "
        "`live_sse=true` streams Server-Sent Events; `subset__*` parameters ask for a subset snapshot. "
        "Rows and columns are those the signed-in user may read. See docs/sync.md."
    ),
    responses=_SHAPE_RESPONSES,
    openapi_extra={"parameters": SHAPE_PARAMETERS + SUBSET_PARAMETERS, "security": _BEARER},
)
async def get_shape(request: Request) -> Response:
    user = await _asker(request, request.query_params.get("table"))
    try:
        fields = query_fields(request.query_params)
    except InvalidRequest as exc:
        return _invalid(exc)
    return await _serve(request, user, fields)


@router.post(
    "/v1/shape",
    summary="A subset snapshot of a shape, described in a JSON body",
    description=(
        "The shape as in `GET /v1/shape` (query parameters); the body holds the subset: `where`, `params`, "
        "`limit`, `offset`, `order_by`. Answers `{metadata, data}`. See docs/sync.md."
    ),
    responses={**_SHAPE_RESPONSES, 200: {"description": "The subset's rows", "content": {"application/json": {}}}},
    openapi_extra={
        "parameters": SHAPE_PARAMETERS,
        "security": _BEARER,
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
    },
)
async def post_shape(request: Request) -> Response:
    user = await _asker(request, request.query_params.get("table"))
    try:
        fields = body_fields(await read_body(request))
    except InvalidRequest as exc:
        return _invalid(exc)
    return await _serve(request, user, fields)


async def _serve(request: Request, user: CurrentUser | None, subset: dict[str, Any] | None) -> Response:
    if request.app.state.settings.electric_url and user is not None:
        try:
            return await gatekeeper.forward(request, user, subset)
        except InvalidRequest as exc:
            return _invalid(exc)
    engine = _engine(request)
    if engine is None or not engine.ready.is_set():
        return _not_ready()
    try:
        return await _answer(request, engine, user, subset)
    except NotReady:  # the engine's process went away while it made the shape: it is starting again
        return _not_ready()
    except StaleUser:
        assert user is not None  # (only a user's shape is checked against them)
        # Signed in before a change of role or company, and cached since: read the session again.
        fresh = await still_signed_in(request, fresh=True)
        if fresh is None:
            raise Unauthorized("the session is expired, revoked or unknown", headers=_SIGN_IN) from None
        return await _answer(request, engine, fresh, subset)


async def _answer(
    request: Request, engine: Engine, user: CurrentUser | None, subset: dict[str, Any] | None
) -> Response:
    try:
        if user is None:
            await _describe(request)
        shape_request = parse_query(request.scope["query_string"], user, _test_schema(request))
        chosen = None if subset is None else parse_subset(subset, shape_request.definition)
        if chosen is not None and shape_request.live:
            raise InvalidRequest("live", "a subset snapshot is not live")
        shape = await _resolve(request, engine, shape_request)
    except InvalidRequest as exc:
        return _invalid(exc)
    except ShapeQueryError as exc:
        return _invalid(InvalidRequest("where", str(exc)))
    if isinstance(shape, Response):
        return shape
    engine.touch(shape.id)
    schema = await engine.schema(shape_request.definition)
    if chosen is not None:
        return await _subset(request, engine, shape, schema, shape_request, chosen)
    if shape_request.offset is None:  # offset=now
        up_to_date = logfile.body(b"", [protocol.up_to_date(engine.last_lsn)])
        cache = _cache(request).chunk(_shared(shape_request))
        headers = _headers(shape, shape.head, schema, shape_request, up_to_date=True, has_data=False, cache=cache)
        return Response(up_to_date, media_type="application/json", headers=headers)
    if shape_request.offset.tx < 0:
        return await _first_chunk(request, engine, shape, schema, shape_request)
    if shape_request.sse:
        return _sse(request, engine, shape, schema, shape_request)
    return await _chunk(request, engine, shape, schema, shape_request)


async def _resolve(request: Request, engine: Engine, shape_request: ShapeRequest) -> StoredShape | Response:
    definition = shape_request.definition
    key = shape_key(definition)
    if shape_request.handle is not None:
        named = engine.answers.by_handle(shape_request.handle).shape
        if named is not None and named.key == key:
            return named
        current = await engine.shape_for(definition)
        if current.handle != shape_request.handle:
            return await _must_refetch(request, engine, shape_request)
        return current
    return await engine.shape_for(definition)


async def _must_refetch(request: Request, engine: Engine, shape_request: ShapeRequest) -> Response:
    """409: the client's handle is gone; ``electric-handle`` names the shape to start again from."""
    try:
        current = await engine.shape_for(shape_request.definition)
    except ShapeQueryError as exc:  # (a table of the generic mode, dropped since)
        return _invalid(InvalidRequest("table", str(exc)))
    return JSONResponse(
        protocol.MUST_REFETCH,
        status_code=409,
        headers=protocol.headers(current.handle, _cache(request).refetch(_shared(shape_request))),
    )


def _non_live(schema: str, shape_request: ShapeRequest) -> str | None:
    """``electric-schema`` goes with non-live answers only, as Electric sends it (a live client has it)."""
    return None if shape_request.live else schema


def _headers(
    shape: StoredShape,
    offset: Offset,
    schema: str,
    shape_request: ShapeRequest,
    *,
    up_to_date: bool,
    has_data: bool,
    cache: str,
    etag: str | None = None,
) -> dict[str, str]:
    cursor = protocol.cursor(shape_request.cursor, time.time()) if shape_request.live else None
    return protocol.headers(
        shape.handle,
        cache,
        offset=offset,
        schema=_non_live(schema, shape_request),
        cursor=cursor,
        up_to_date=up_to_date,
        has_data=has_data,
        etag=etag,
    )


def _has_data(shape: StoredShape, span: Span) -> bool:
    """Whether ``span`` holds rows of the snapshot or changes, not only the snapshot's end."""
    return span.start < min(span.end, shape.snapshot_end) or max(span.start, shape.log_start) < span.end


async def _log_response(
    request: Request,
    engine: Engine,
    shape: StoredShape,
    schema: str,
    shape_request: ShapeRequest,
    span: Span,
    data: bytes | None,
    *,
    seen: int,
    cache: str,
) -> Response:
    """A response of the bytes ``span`` of the shape's log file, then up-to-date when it reaches the
    head; 304 when the client's ``If-None-Match`` names the same response (Electric's ETag: the
    handle, the offset asked for and the offset answered, unique when there is nothing new).
    ``data``: the bytes of ``span`` when they were read, else None."""
    requested = "-1" if shape_request.offset is None or shape_request.offset.tx < 0 else str(shape_request.offset)
    etag = protocol.etag(shape.handle, requested, span.offset, unique=span.start == span.end)
    if etag in protocol.if_none_match(request.headers.get("if-none-match")):
        cursor = protocol.cursor(shape_request.cursor, time.time()) if shape_request.live else None
        headers = protocol.headers(shape.handle, cache, offset=span.offset, cursor=cursor, etag=etag)
        return Response(status_code=304, headers=headers)
    last = span.offset if span.end > span.start else None
    controls = [protocol.up_to_date(protocol.last_seen(seen, last))] if span.up_to_date else []
    headers = _headers(
        shape,
        span.offset,
        schema,
        shape_request,
        up_to_date=span.up_to_date,
        has_data=_has_data(shape, span),
        cache=cache,
        etag=etag,
    )
    if span.end - span.start < INLINE_BYTES:
        content = logfile.body(data if data is not None else await _read(engine, shape, span), controls)
        return Response(content, media_type="application/json", headers=headers)
    streamed = logfile.Streamed(engine.reads.file(shape.handle), span.start, span.end, controls)
    headers["content-length"] = str(streamed.length)
    return StreamingResponse(streamed.parts(), media_type="application/json", headers=headers)


async def _read(engine: Engine, shape: StoredShape, span: Span) -> bytes:
    """The bytes of ``span``; large ranges are read in a worker thread."""
    path = engine.reads.file(shape.handle)
    if span.end - span.start < INLINE_BYTES:
        return logfile.read(path, span.start, span.end)
    return await asyncio.to_thread(logfile.read, path, span.start, span.end)


async def _first_chunk(
    request: Request, engine: Engine, shape: StoredShape, schema: str, shape_request: ShapeRequest
) -> Response:
    policy, shared = _cache(request), _shared(shape_request)
    if shape_request.definition.log == "changes_only":
        # No rows, only the snapshot's end (as Electric sends it); the changes follow from the head.
        span = Span(shape.snapshot_end, shape.log_start, shape.head, False)
        return await _log_response(
            request, engine, shape, schema, shape_request, span, None, seen=engine.last_lsn, cache=policy.chunk(shared)
        )
    span = engine.reads.first_chunk(shape)
    return await _log_response(
        request, engine, shape, schema, shape_request, span, None, seen=engine.last_lsn, cache=policy.snapshot(shared)
    )


async def _subset(
    request: Request, engine: Engine, shape: StoredShape, schema: str, shape_request: ShapeRequest, subset: Subset
) -> Response:
    definition = shape_request.definition
    try:
        found = await engine.subset(shape.id, definition, subset)
    except ShapeQueryError as exc:
        return _invalid(InvalidRequest("subset__where", str(exc)))
    except NotReady:
        return _not_ready()
    if found is None:
        return await _must_refetch(request, engine, shape_request)
    if subset.too_many(found.matched):
        return _invalid(InvalidRequest("subset__limit", f"the subset matches more than {MAX_ROWS} rows: give a limit"))
    # A client that follows the log keeps its offset: the log messages after it that the subset
    # holds are dropped by the metadata; one that starts with the subset follows from the head.
    requested = shape_request.offset
    offset = requested if requested is not None and requested.tx >= 0 else found.head
    headers = protocol.headers(
        shape.handle, protocol.NO_STORE, offset=offset, schema=schema, snapshot=True, has_data=bool(found.rows)
    )
    body = protocol.subset_body(definition.table, found.rows, found.metadata)
    return Response(body, media_type="application/json", headers=headers)


def _not_ready() -> Response:
    return JSONResponse(
        {"message": "sync is not ready"},
        status_code=503,
        headers={"retry-after": "5", "cache-control": protocol.NO_STORE},
    )


async def _chunk(
    request: Request, engine: Engine, shape: StoredShape, schema: str, shape_request: ShapeRequest
) -> Response:
    assert shape_request.offset is not None
    engine.waiters.watch(shape.id)
    try:
        version, seen = engine.waiters.version(shape.id), engine.last_lsn
        span, data = engine.answers.span(shape, shape_request.offset)
        if shape_request.live and span.start == span.end:
            await _wait(request, engine.waiters, shape.id, version, LONG_POLL_SECONDS)
            if not shape_request.definition.generic:
                before = request.state.user
                user = await still_signed_in(request)
                if user is None:
                    raise Unauthorized("the session ended", headers=_SIGN_IN)
                if not _still_theirs(request, before, user, shape):
                    return await _answer(request, engine, user, None)  # 409 to the shape they may read now
            found = engine.answers.by_id(shape.id)
            if found.shape is None:
                return await _must_refetch(request, engine, shape_request)
            shape, seen = found.shape, found.seen
            span, data = engine.answers.span(shape, shape_request.offset)
    finally:
        engine.waiters.unwatch(shape.id)
    policy, shared = _cache(request), _shared(shape_request)
    cache = policy.live(shared) if shape_request.live else policy.log(shared)
    try:
        return await _log_response(request, engine, shape, schema, shape_request, span, data, seen=seen, cache=cache)
    except FileNotFoundError:  # removed since
        return await _must_refetch(request, engine, shape_request)


def _still_theirs(request: Request, before: CurrentUser, user: CurrentUser, shape: StoredShape) -> bool:
    """Whether ``user`` (as they are now; ``before``: as the request found them) still asks for
    ``shape`` with this request: a shape shared by a reach stays when one user's role or company
    changes, so a request held from before asks again (the session cache forgets such a user as
    soon as the engine decodes the change). Unchanged, the answer is yes without parsing again."""
    if (user.role, user.vendor_id) == (before.role, before.vendor_id):
        return True
    try:
        return shape_key(parse(request.query_params, user).definition) == shape.key
    except (InvalidRequest, RefusedRequest):
        return False


def _sse(request: Request, engine: Engine, shape: StoredShape, schema: str, shape_request: ShapeRequest) -> Response:
    assert shape_request.offset is not None
    start = shape_request.offset

    async def events() -> AsyncIterator[bytes]:
        offset = start
        deadline = time.monotonic() + SSE_SECONDS
        engine.waiters.watch(shape.id)
        try:
            while time.monotonic() < deadline and not await request.is_disconnected():
                if not shape_request.definition.generic:
                    before = request.state.user
                    user = await still_signed_in(request)
                    if user is None:
                        return  # the client reconnects, and is refused
                    if not _still_theirs(request, before, user, shape):
                        yield protocol.sse_event(protocol.MUST_REFETCH_MESSAGE).encode()
                        return
                version = engine.waiters.version(shape.id)
                found = engine.answers.by_id(shape.id)
                current, seen = found.shape, found.seen
                if current is None:
                    yield protocol.sse_event(protocol.MUST_REFETCH_MESSAGE).encode()
                    return
                while True:
                    try:
                        span, data = engine.answers.span(current, offset)
                        if span.end == span.start:
                            break
                        if data is None:
                            data = await _read(engine, current, span)
                    except FileNotFoundError:
                        yield protocol.sse_event(protocol.MUST_REFETCH_MESSAGE).encode()
                        return
                    for message in logfile.messages(data):
                        yield b"data: " + message + b"\n\n"
                    offset = span.offset
                    if span.up_to_date:
                        yield protocol.sse_event(protocol.up_to_date(protocol.last_seen(seen, offset))).encode()
                        break
                if not await _wait(request, engine.waiters, shape.id, version, SSE_KEEPALIVE_SECONDS):
                    yield protocol.KEEP_ALIVE.encode()
        finally:
            engine.waiters.unwatch(shape.id)

    cursor = protocol.cursor(shape_request.cursor, time.time())
    headers = protocol.headers(shape.handle, protocol.NO_STORE, offset=start, cursor=cursor, has_data=True)
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


async def _wait(request: Request, waiters: Waiters, shape_id: int, version: tuple[int, int], seconds: float) -> bool:
    """Until the shape is no longer at ``version`` (True), or ``seconds`` have passed or the client
    has gone (False), which is checked at each of the waiters' ticks."""
    deadline = time.monotonic() + seconds
    while waiters.version(shape_id) == version:
        if not await waiters.next(shape_id) and (time.monotonic() >= deadline or await request.is_disconnected()):
            return False
    return True


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


async def _drop(engine: Engine, shapes: list[StoredShape]) -> Response:
    for shape in shapes:
        await engine.drop(shape.id)
    return Response(status_code=202, headers={"cache-control": protocol.NO_STORE})


@router.delete(
    "/v1/shape",
    status_code=202,
    summary="Remove a shape, named by its handle or by its table and clause, as Electric's DELETE"
    " (the user whose request made it, or an admin); its clients refetch",
    responses={
        400: {"description": "Neither a handle nor a table", "content": {"application/json": {}}},
        401: PROBLEM_RESPONSES[401],
        404: PROBLEM_RESPONSES[404] | {"description": "No such shape of yours"},
    },
    openapi_extra={"security": _BEARER},
)
async def delete_shape(request: Request, handle: str | None = None, table: str | None = None) -> Response:
    engine = _engine(request)
    if handle is None and table is None:
        return _invalid(InvalidRequest("table", "name the shape: its table (and clause), or its handle"))
    if engine is None:
        raise NotFound("no such shape")
    shape = None if handle is None else engine.reads.by_handle(handle)
    generic = generic_table(table, _test_schema(request))
    # The generic mode's shapes are read without a user (while the mode is on); as Electric, a table
    # without a handle names every shape of it.
    if shape is not None and shape.user_id == NO_USER and _test_schema(request) is not None:
        return await _drop(engine, [shape])
    if handle is None and generic is not None:
        return await _drop(engine, engine.reads.of_table(catalog.relation_name(*generic)))
    user = await sync_user(request)
    if handle is None:
        # The shape the same parameters would read (this user's, or the one they share).
        asked = {k: v for k, v in request.query_params.items() if k not in ("offset", "live", "cursor")}
        try:
            shape = engine.reads.by_key(shape_key(parse(QueryParams({**asked, "offset": "-1"}), user).definition))
        except InvalidRequest as exc:
            return _invalid(exc)
    if shape is None or (shape.user_id != str(user.id) and user.role not in ADMINS):
        raise NotFound("no such shape")
    return await _drop(engine, [shape])
