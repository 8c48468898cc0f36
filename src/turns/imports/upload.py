"""Uploads past :data:`~turns.imports.reading.MAX_FILE_BYTES` refused before they are read.

FastAPI parses a multipart body (spooling its file to disk) before the endpoint runs, so the
endpoint could only see the size once it had all been received. Routes of this class refuse
a body whose declared length is too large before reading a byte of it, and stop reading one
sent without a length (chunked) as soon as it grows past the limit. FastAPI's own
``max_body_size`` does the same but answers in words that do not name the limit.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute
from starlette.types import Message

from turns.imports.reading import MAX_FILE_BYTES
from turns.kit.limits import whole_number

MAX_BODY_BYTES = MAX_FILE_BYTES + 64 * 1024
"""The file and the multipart envelope around it (the file's own size is checked after)."""
TOO_LARGE = f"a CSV file may be at most {MAX_FILE_BYTES // (1024 * 1024)} MB; split it into smaller files"


def too_large() -> HTTPException:
    return HTTPException(status_code=413, detail=TOO_LARGE)


class UploadRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            declared = whole_number(request.headers.get("content-length", ""))
            if declared is not None and declared > MAX_BODY_BYTES:
                raise too_large()
            received = 0

            async def receive() -> Message:
                nonlocal received
                message = await request.receive()
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    raise too_large()
                return message

            return await handler(Request(request.scope, receive, request._send))

        return limited
