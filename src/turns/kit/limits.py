"""The documented limits on what a client sends, checked before anything parses it deeply.

Python's parsers have limits of their own that surface as exceptions nobody expects: a
recursion limit (``RecursionError`` from deeply nested JSON or a recursive descent parser)
and an integer conversion limit (``ValueError`` past 4,300 digits). Every parser of client
input goes through these checks first, so input past a limit is a 4xx that says which limit,
never a 500. The limits are listed in docs/api.md ("Input limits").
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from turns.kit.errors import problem_response

MAX_JSON_BYTES = 1024 * 1024
"""The largest JSON request body (413 past it)."""
MAX_JSON_DEPTH = 32
"""The deepest nesting of arrays and objects in a JSON document a client sends (400 past it)."""
MAX_NUMBER_DIGITS = 18
"""The most digits of a whole number read from a header, a parameter or a cursor: every such
number fits in a bigint."""

# A string, or an unterminated one up to the end: one pass, whatever the input (a string that
# must close would let every quote of an unterminated run rescan the rest).
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _STEP)


class JsonTooDeep(ValueError):
    """A JSON document nested deeper than :data:`MAX_JSON_DEPTH`."""

    def __init__(self) -> None:
        super().__init__(f"JSON may nest arrays and objects at most {MAX_JSON_DEPTH} deep")


def json_depth(raw: bytes | str) -> int:
    """How deep arrays and objects nest in ``raw``, found without parsing it (strings are skipped,
    so brackets inside them do not count). Malformed input gets some number; the parser refuses it."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def loads(raw: bytes | str) -> Any:
    """``json.loads`` within :data:`MAX_JSON_DEPTH`; raises ``ValueError`` (also for numbers past
    Python's digit limit) and nothing else for any input."""
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise JsonTooDeep
    return json.loads(raw)


def whole_number(text: str, digits: int = MAX_NUMBER_DIGITS) -> int | None:
    """``text`` as a whole number when it is 1 to ``digits`` ASCII digits, else None (``str.isdigit``
    also accepts digits ``int`` refuses, such as "²", and any number of them)."""
    if not 0 < len(text) <= digits or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def _is_json(content_type: str) -> bool:
    """Whether FastAPI parses a body of this type as JSON (it does when the type is missing)."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media in ("", "application/json") or (media.startswith("application/") and media.endswith("+json"))


class JsonLimitMiddleware:
    """Refuses a JSON request body past :data:`MAX_JSON_BYTES` (413) or :data:`MAX_JSON_DEPTH`
    (400) before any endpoint parses it; other bodies (uploads) stream through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope["headers"]) if scope["type"] == "http" else {}
        has_body = b"content-length" in headers or b"transfer-encoding" in headers
        if not has_body or not _is_json(headers.get(b"content-type", b"").decode("latin-1")):
            await self.app(scope, receive, send)
            return
        body, problem = await _read(headers, receive)
        if problem is not None:
            status, detail = problem
            title = "Request body too large" if status == 413 else "JSON nested too deep"
            kind = "too-large" if status == 413 else "bad-request"
            await problem_response(Request(scope), status, kind, title, detail)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _read(headers: dict[bytes, bytes], receive: Receive) -> tuple[bytes, tuple[int, str] | None]:
    """The whole body, or the problem (status, detail) that stopped reading it."""
    too_large = (413, f"a JSON body may be at most {MAX_JSON_BYTES} bytes")
    declared = whole_number(headers.get(b"content-length", b"0").decode("latin-1"))
    if declared is not None and declared > MAX_JSON_BYTES:
        return b"", too_large
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        body += message.get("body", b"")
        if len(body) > MAX_JSON_BYTES:
            return b"", too_large
        if not message.get("more_body", False):
            break
    if json_depth(bytes(body)) > MAX_JSON_DEPTH:
        return b"", (400, str(JsonTooDeep()))
    return bytes(body), None
