"""Request ids and access logs: every response carries ``X-Request-ID`` (a 500 for an
unhandled exception too) and every log line written while serving it carries ``request_id``."""

from __future__ import annotations

import itertools
import os
import re
import secrets
import time

import structlog
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from turns.kit.errors import internal_error
from turns.kit.logging import get_logger

HEADER = "x-request-id"
_HEADER = HEADER.encode()
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
log = get_logger("turns.access")


class _Ids:
    """Request ids: 32 hex digits, unique (a random half per process, a count after it), made in a
    fraction of ``uuid4``'s time: a server answering a thousand long-polls a second makes one each."""

    def __init__(self) -> None:
        self.drawn()

    def drawn(self) -> None:
        self.prefix, self.count = secrets.token_hex(8), itertools.count()

    def new(self) -> str:
        return f"{self.prefix}{next(self.count):016x}"


_IDS = _Ids()
os.register_at_fork(after_in_child=_IDS.drawn)  # a forked process draws its own half
new_id = _IDS.new


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((value for name, value in scope["headers"] if name == _HEADER), b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else new_id()
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        status_sent = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, status_sent
            if message["type"] == "http.response.start":
                status, status_sent = message["status"], True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (_HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if status_sent:
                raise  # the response has begun: nothing to do but end it
            await internal_error(Request(scope), exc)(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")
