"""``Cache-Control: no-store`` on every API response whose route sets no caching of its own.

API answers hold what one signed-in user may see (and the login answer holds a session
token), so no browser or shared cache may keep them. Routes that choose their own caching
keep it: exports and downloads say ``no-store`` themselves; ``/v1/shape`` and the web app's
files are outside ``/api/`` and have their own rules.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIX = "/api/"
_HEADER = b"cache-control"


class NoStoreMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == _HEADER for name, _ in headers):
                    message["headers"] = [*headers, (_HEADER, b"no-store")]
            await send(message)

        await self.app(scope, receive, send_no_store)
