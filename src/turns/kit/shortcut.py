"""One route served around the app's generic middleware stack.

A route answered thousands of times a second with little work each time (a long-poll woken by
a change, see docs/sync.md "Many clients of one shape") spent half its time in the stack every
request passes through: routing among a few hundred routes, dependency solving, and a layer
per concern (caching rules, replica routing, body limits), each wrapping ``send``. This
middleware sends that route's requests to its endpoint through the few layers it names
(request ids and metrics, say), with the app's own exception handlers; every other request goes
through the whole stack as before. Placed by :class:`LayeredApp` outside the whole stack, it
also skips Starlette's and FastAPI's own layers (their last-resort error handler among them:
the layers named must answer an unhandled error, as the request-id layer does).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

Endpoint = Callable[[Request], Awaitable[Response]]
Layer = Callable[[ASGIApp], ASGIApp]


class LayeredApp(FastAPI):
    """FastAPI with :attr:`outer` layers around its whole middleware stack, Starlette's error
    middleware and FastAPI's own included (the last of them outermost)."""

    outer: Sequence[Layer] = ()

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        for layer in self.outer:
            stack = layer(stack)
        return stack


class Shortcut:
    def __init__(
        self,
        app: ASGIApp,
        *,
        method: str,
        path: str,
        endpoint: Endpoint,
        layers: Sequence[Layer],
        request: Callable[[Scope, Receive], Request] = Request,
    ) -> None:
        self.app, self.method, self.path, self.endpoint, self.request = app, method, path, endpoint, request
        self.route = Route(path, endpoint, methods=[method])
        """What the layers see as the matched route (``scope["route"]``), as the router sets it."""
        served: ASGIApp = self._serve
        for layer in reversed(layers):
            served = layer(served)
        self.served = served

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == self.method and scope["path"] == self.path:
            scope["route"] = self.route
            await self.served(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = self.request(scope, receive)
        try:
            response = await self.endpoint(request)
        except Exception as exc:
            handler = _handler(request.app.exception_handlers, exc)
            if handler is None:
                raise  # the layers' last resort (an internal error)
            response = await handler(request, exc)
        await response(scope, receive, send)


def _handler(handlers: dict[Any, Any], exc: Exception) -> Callable[[Request, Exception], Awaitable[Response]] | None:
    """The app's handler of ``exc``: the one of its class or nearest base, as Starlette finds it."""
    for kind in type(exc).__mro__:
        if kind in handlers:
            found: Callable[[Request, Exception], Awaitable[Response]] = handlers[kind]
            return found
    return None
