"""One route around the middleware stack: its requests skip the stack and pass the layers named;
every other request (another path, another method) goes through the stack."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from turns.kit.shortcut import LayeredApp, Shortcut


class Tag:
    """A layer that names itself in a response header."""

    def __init__(self, app: ASGIApp, name: str) -> None:
        self.app, self.name = app, name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-layer", self.name.encode())]
            await send(message)

        await self.app(scope, receive, tagged)


class Refused(Exception):
    pass


async def fast(request: Request) -> Response:
    if request.query_params.get("refuse"):
        raise Refused
    if request.query_params.get("break"):
        raise RuntimeError("unhandled")
    return PlainTextResponse(f"fast {request.scope['route'].path}")


async def on_refused(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("refused", status_code=403)


def _app() -> Starlette:
    async def slow(request: Request) -> Response:
        return PlainTextResponse("slow")

    app = Starlette(exception_handlers={Refused: on_refused})
    app.add_route("/shape", slow, methods=["GET", "POST"])
    app.add_route("/other", slow)
    app.add_middleware(Tag, name="stack")
    app.add_middleware(Shortcut, method="GET", path="/shape", endpoint=fast, layers=[lambda a: Tag(a, "own")])
    return app


def _call(app: Starlette, method: str, path: str, query: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    sent: list[Message] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": [],
        "root_path": "",
        "scheme": "http",
        "server": ("test", 80),
        "client": ("test", 1),
        "http_version": "1.1",
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


def test_the_route_skips_the_stack_and_passes_its_own_layers() -> None:
    status, headers, body = _call(_app(), "GET", "/shape")
    assert (status, headers["x-layer"], body) == (200, "own", b"fast /shape")


def test_other_paths_and_methods_go_through_the_stack() -> None:
    app = _app()
    assert _call(app, "GET", "/other")[1:] == (
        {"content-length": "4", "content-type": "text/plain; charset=utf-8", "x-layer": "stack"},
        b"slow",
    )
    assert _call(app, "POST", "/shape")[2] == b"slow"


def test_the_apps_handlers_answer_its_errors_and_others_reach_the_layers() -> None:
    app = _app()
    status, headers, body = _call(app, "GET", "/shape", b"refuse=1")
    assert (status, headers["x-layer"], body) == (403, "own", b"refused")
    with pytest.raises(RuntimeError, match="unhandled"):
        _call(app, "GET", "/shape", b"break=1")


def test_outer_layers_wrap_the_apps_whole_stack_its_error_middleware_included() -> None:
    """A layer of ``LayeredApp.outer`` sees what Starlette's last-resort handler answers (a 500), so
    a shortcut placed there skips every layer of the stack."""
    app = LayeredApp()

    async def broken(request: Request) -> Response:
        raise RuntimeError("unhandled")

    app.add_route("/broken", broken)
    app.add_middleware(Tag, name="stack")
    app.outer = [lambda inner: Tag(inner, "outer"), Swallow]
    status, headers, _ = _call(app, "GET", "/broken")
    assert (status, headers["x-layer"]) == (500, "outer")


class Swallow:
    """A layer that ends a request its error ended (Starlette's handler answers 500, then raises)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with contextlib.suppress(RuntimeError):
            await self.app(scope, receive, send)
