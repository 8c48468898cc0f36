"""Errors that carry their HTTP status, rendered as ``application/problem+json`` (RFC 9457).

Services raise a :class:`Problem` subclass; one set of handlers turns it, request
validation failures, unknown routes and database errors a client can cause into a
problem document. Nothing a client sends produces a 500.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import psycopg.errors as pg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from turns.kit.logging import get_logger

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://turns.dev/problems/"

log = get_logger("turns.errors")


class ProblemDocument(BaseModel):
    """RFC 9457 problem details, with Turns' extension members."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = None
    current: dict[str, Any] | None = None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemDocument, "content": {PROBLEM_JSON: {}}, "description": HTTPStatus(status).phrase}
    for status in (400, 401, 403, 404, 409, 412, 413, 415, 422, 429)
}
GONE_RESPONSE: dict[int | str, dict[str, Any]] = {
    410: {"model": ProblemDocument, "content": {PROBLEM_JSON: {}}, "description": HTTPStatus(410).phrase}
}
"""For routes whose one-time input can be spent (a link already used or expired)."""


class Problem(Exception):
    status: int = 400
    kind: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


class BadRequest(Problem):
    pass


class Unauthorized(Problem):
    status, kind, title = 401, "unauthorized", "Authentication required"


class Forbidden(Problem):
    status, kind, title = 403, "forbidden", "Not allowed"


class NotFound(Problem):
    status, kind, title = 404, "not-found", "Not found"


class Conflict(Problem):
    """A write named a version that is no longer current; ``current`` holds the row as it is."""

    status, kind, title = 409, "conflict", "Conflict"


class PreconditionFailed(Conflict):
    status, kind, title = 412, "precondition-failed", "Precondition failed"


class Gone(Problem):
    """What the request names existed once and is used up for good (e.g. a one-time link)."""

    status, kind, title = 410, "gone", "Gone"


class TooLarge(Problem):
    status, kind, title = 413, "too-large", "Request body too large"


class UnsupportedMediaType(Problem):
    status, kind, title = 415, "unsupported-media-type", "Unsupported media type"


class Unprocessable(Problem):
    status, kind, title = 422, "unprocessable", "Unprocessable request"


class TooManyRequests(Problem):
    status, kind, title = 429, "too-many-requests", "Too many requests"


class ServiceUnavailable(Problem):
    status, kind, title = 503, "unavailable", "Service unavailable"


def problem_response(
    request: Request,
    status: int,
    kind: str,
    title: str,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind,
        "title": title,
        "status": status,
        "instance": request.url.path,
        "request_id": getattr(request.state, "request_id", None),
    }
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def internal_error(request: Request, exc: Exception) -> JSONResponse:
    """The 500 for an exception nothing else handled: logged with its traceback, answered as a
    problem. Sent by :class:`turns.kit.requests.RequestIdMiddleware`, inside which the response
    gets its ``X-Request-ID`` (Starlette's own last-resort handler sits outside every middleware,
    and re-raises, which drops the connection)."""
    log.error("unhandled_error", error=repr(exc), exc_info=exc)
    return problem_response(request, 500, "internal", "Internal error")


def _database_problem(exc: DBAPIError) -> Problem | None:
    """The problem a client caused, if this database error is one."""
    orig = exc.orig
    message = str(getattr(getattr(orig, "diag", None), "message_primary", None) or orig)
    if isinstance(orig, pg.UniqueViolation):
        return Conflict("a record with the same unique value already exists", reason=message)
    if isinstance(orig, pg.ForeignKeyViolation):
        return Unprocessable("a referenced record does not exist", reason=message)
    # Data exceptions (SQLSTATE class 22: out of range, malformed, too long, a NUL byte in
    # text) are always about a value the client sent.
    if isinstance(orig, pg.CheckViolation | pg.NotNullViolation | pg.DataError):
        # A trigger's check names its column (e.g. a manager of a role the column does not allow).
        field = getattr(getattr(orig, "diag", None), "column_name", None)
        return Unprocessable("a value is not acceptable", reason=message, field=field)
    if isinstance(orig, pg.InsufficientPrivilege):
        return Forbidden("not allowed for your role", reason=message)
    if isinstance(orig, pg.SerializationFailure | pg.DeadlockDetected | pg.LockNotAvailable):
        return Conflict("a concurrent change interfered; retry", reason=message)
    if isinstance(orig, pg.OperationalError) or exc.connection_invalidated:
        return ServiceUnavailable("the database is unavailable; retry shortly", headers={"Retry-After": "2"})
    return None


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(request, exc.status, exc.kind, exc.title, exc.detail, exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()
        ]
        if any(e["type"] == "json_invalid" for e in errors):
            return problem_response(
                request, 400, "bad-request", "Malformed JSON", "the body is not valid JSON", errors=errors
            )
        return problem_response(
            request, 422, "validation", "Invalid request", "the request has invalid fields", errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        return problem_response(
            request,
            status,
            HTTPStatus(status).phrase.lower().replace(" ", "-"),
            HTTPStatus(status).phrase,
            str(exc.detail) if exc.detail else None,
            dict(exc.headers or {}),
        )

    @app.exception_handler(DBAPIError)
    async def on_database(request: Request, exc: DBAPIError) -> JSONResponse:
        problem = _database_problem(exc)
        if problem is None:
            log.error("database_error", error=str(exc.orig))
            return problem_response(request, 500, "internal", "Internal error")
        return problem_response(
            request, problem.status, problem.kind, problem.title, problem.detail, problem.headers, **problem.extra
        )
