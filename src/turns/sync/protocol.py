"""Electric's wire format: the headers, control messages and message encodings of the Shape API.

Electric's client treats a missing or misspelt header, or a control message in another form,
as a fatal error, and a cache that sees the wrong ``cache-control`` serves one user's rows to
another; so how each piece is written is decided here once, without I/O, and tested by exact
value. What to answer is the endpoints' business (:mod:`turns.sync.endpoints`), what changed
the engine's (:mod:`turns.sync.changes`). See docs/sync.md.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from turns.sync.catalog import described, quoted
from turns.sync.offsets import Offset

EXPOSED = (
    "electric-handle, electric-offset, electric-schema, electric-cursor, electric-up-to-date, "
    "electric-has-data, electric-snapshot, retry-after"
)
"""What a browser may read of a response (CORS): without them the client cannot follow the shape."""
VARY = "Authorization, Cookie"
"""Shapes are per user: no cache may answer one user with another's response."""


@dataclass(frozen=True)
class CachePolicy:
    """``Cache-Control`` of shape responses. Every response is ``private`` (one user's browser
    cache) unless its shape is shared by a reach (:func:`turns.sync.reach.shared`) and
    ``public_shared`` is on (``TURNS_SYNC_PUBLIC_CACHE``), for a cache behind a proxy that
    authorises each request, as Electric's deployments do; ``Vary`` still names the credentials."""

    max_age: int = 604_800
    """How long the first chunk of a snapshot stays fresh (``TURNS_SYNC_MAX_AGE``): a handle never
    changes its snapshot."""
    stale_age: int = 2_629_746
    """How long a cache may serve it stale while it revalidates (``TURNS_SYNC_STALE_AGE``)."""
    public_shared: bool = False

    def _scope(self, shared: bool) -> str:
        return "public" if shared and self.public_shared else "private"

    def snapshot(self, shared: bool) -> str:
        """The first chunk of a snapshot (``offset=-1``); a shared cache keeps it an hour at most."""
        scope = self._scope(shared)
        shared_age = ", s-maxage=3600" if scope == "public" else ""
        return f"{scope}, max-age={self.max_age}{shared_age}, stale-while-revalidate={self.stale_age}"

    def chunk(self, shared: bool) -> str:
        """``offset=now`` and an empty ``changes_only`` snapshot."""
        return f"{self._scope(shared)}, max-age=60, stale-while-revalidate=300"

    def log(self, shared: bool) -> str:
        return f"{self._scope(shared)}, max-age=60"

    def live(self, shared: bool) -> str:
        return f"{self._scope(shared)}, max-age=5, stale-while-revalidate=5"

    def refetch(self, shared: bool) -> str:
        """A 409: the handle named is gone for good (handles are never reused)."""
        return f"{self._scope(shared)}, max-age=60, must-revalidate"


NO_STORE = "no-store"
"""Errors, subsets and streams: what they say is over as soon as it is sent."""

CURSOR_SECONDS = 20
MUST_REFETCH: list[dict[str, Any]] = [{"headers": {"control": "must-refetch"}}]
"""The body of a 409 (the handle is gone)."""
MUST_REFETCH_MESSAGE = json.dumps(MUST_REFETCH[0])
"""The same, as Server-Sent Events send it."""
KEEP_ALIVE = ": keep-alive\n\n"
"""An SSE comment: keeps proxies from closing a quiet stream."""


def dumps(value: Any) -> str:
    """Compact JSON, as messages are written."""
    return json.dumps(value, separators=(",", ":"))


def row_key(table: str, pk: str) -> str:
    """A message's ``key``: ``"schema"."table"/"pk"``, a ``/`` in the key doubled."""
    found = described(table)
    return f'{quoted(found.schema, found.relation)}/"{pk.replace("/", "//")}"'


def relation(table: str) -> list[str]:
    """A message's ``relation``: schema and table."""
    found = described(table)
    return [found.schema, found.relation]


def headers(
    handle: str,
    cache_control: str,
    *,
    offset: Offset | None = None,
    schema: str | None = None,
    cursor: str | None = None,
    up_to_date: bool = False,
    snapshot: bool = False,
    has_data: bool | None = None,
    etag: str | None = None,
) -> dict[str, str]:
    """The headers of a shape response; the client needs the handle on every one (a 409 too),
    the offset and schema on every 200, the cursor on live ones. ``electric-has-data`` says
    whether the body holds rows or changes, not only control messages, as Electric's does."""
    found = {
        "electric-handle": handle,
        "cache-control": cache_control,
        "vary": VARY,
        "access-control-expose-headers": EXPOSED,
    }
    if offset is not None:
        found["electric-offset"] = str(offset)
    if schema is not None:
        found["electric-schema"] = schema
    if cursor is not None:
        found["electric-cursor"] = cursor
    if up_to_date:
        found["electric-up-to-date"] = ""
    if snapshot:
        found["electric-snapshot"] = "true"
    if has_data is not None:
        found["electric-has-data"] = "true" if has_data else "false"
    if etag is not None:
        found["etag"] = f'"{etag}"'
    return found


def etag(handle: str, requested: str, answered: Offset, *, unique: bool) -> str:
    """Electric's ETag of a log response (unquoted): the handle, the offset asked for and the offset
    answered, which name its bytes for good. A response with nothing new gets a unique one, so a
    cache never revalidates an empty live answer instead of waiting for the next change."""
    found = f"{handle}:{requested}:{answered}"
    return f"{found}:{time.monotonic_ns()}" if unique else found


def if_none_match(header: str | None) -> list[str]:
    """The ETags of an ``If-None-Match`` header, unquoted."""
    return [tag.strip().strip('"') for tag in header.split(",")] if header else []


def cursor(sent: str | None, now: float) -> str:
    """``electric-cursor``: the time bucket of ``now``, never the one the client sent, so a live
    response is never one a cache already holds."""
    bucket = int(now) // CURSOR_SECONDS
    if sent is not None and sent == str(bucket):
        bucket += 1
    return str(bucket)


def last_seen(before: int, last: Offset | None) -> int:
    """``global_last_seen_lsn``: the engine's position when the read began, or just past the last
    message sent when that is later (a snapshot's offsets, ``tx`` 0, say nothing)."""
    return max(before, last.tx + 1 if last is not None and last.tx else 0)


@lru_cache(maxsize=64)
def up_to_date(seen: int) -> str:
    return json.dumps({"headers": {"control": "up-to-date", "global_last_seen_lsn": str(seen)}})


def snapshot_fields(snapshot: str) -> dict[str, Any]:
    """``xmin``, ``xmax`` and ``xip_list`` of ``pg_current_snapshot()``'s text: what lets the client
    drop the log messages a snapshot already holds."""
    xmin, xmax, xip = snapshot.split(":")
    return {"xmin": xmin, "xmax": xmax, "xip_list": [x for x in xip.split(",") if x]}


def snapshot_end(snapshot: str) -> str:
    return dumps({"headers": {"control": "snapshot-end", **snapshot_fields(snapshot)}})


def change(
    message: dict[str, Any], operation: str, *, table: str, txids: list[int], lsn: int, index: int, last: bool
) -> str:
    """A log message: ``message`` (key, value, old value) with the headers of the ``index``-th
    change of the step committed at ``lsn``; ``op_position`` counts 1, 3, 5 ... and the step's
    last message says so, which is when the client applies the step."""
    found: dict[str, Any] = {
        "operation": operation,
        "relation": relation(table),
        "txids": txids,
        "lsn": str(lsn),
        "op_position": 2 * index + 1,
    }
    if last:
        found["last"] = True
    return dumps({**message, "headers": found})


def sse_event(message: str) -> str:
    return f"data: {message}\n\n"


def subset_body(table: str, rows: list[tuple[str, str]], metadata: dict[str, Any]) -> str:
    """``{"metadata": ..., "data": [insert messages]}``, as Electric answers a subset; ``rows`` are
    (key, value already as JSON)."""
    head = dumps({"operation": "insert", "relation": relation(table), "snapshot_mark": metadata["snapshot_mark"]})
    data = ",".join(f'{{"key":{dumps(key)},"value":{value},"headers":{head}}}' for key, value in rows)
    return f'{{"metadata":{dumps(metadata)},"data":[{data}]}}'


def invalid(param: str, message: str) -> dict[str, Any]:
    """A refused request as Electric words it (served as ``application/json``: Electric's client
    reads no other type): what was refused, per parameter."""
    return {"message": "Invalid request", "errors": {param: [message]}}
